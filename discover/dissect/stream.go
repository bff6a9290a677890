package dissect

import (
	"bytes"
	"encoding/binary"
)

// StreamParser dissects the two directions of one TCP connection. Dir 0 is
// the client's direction (client to server), 1 the server's.
//
// Feed gets the in-order bytes of one direction that the parser has not
// consumed yet. It returns how many it consumed — which may exceed len(b):
// the excess is skipped as it arrives, so bulk data is never buffered —
// and whether it needs no more bytes of this direction. Facts use Src for
// the sender of direction dir.
type StreamParser interface {
	Feed(dir int, b []byte, o *Out) (consumed int, done bool)
}

// DetectStream picks the application protocol and, when there is identity
// to extract, the parser of a TCP connection from the first payload seen
// (dir says which side sent it) and the server port. Content wins over
// ports: DICOM and HL7 run on site-specific ports.
func DetectStream(first []byte, dir int, serverPort uint16) (App, StreamParser) {
	switch {
	case dir == 0 && IsDICOM(first):
		return AppDICOM, &DICOMConn{}
	case IsHL7(first):
		return AppHL7, &HL7Conn{}
	case IsTLS(first):
		return AppTLS, &TLSConn{}
	case bytes.HasPrefix(first, []byte("SSH-")):
		return AppSSH, &BannerConn{App: AppSSH}
	case isRTSP(first) || serverPort == 554 && (IsHTTPRequest(first) || bytes.HasPrefix(first, []byte("RTSP/"))):
		return AppRTSP, &BannerConn{App: AppRTSP}
	case IsHTTPRequest(first) || IsHTTPResponse(first):
		if serverPort == 631 {
			return AppIPP, &HTTPConn{}
		}
		return AppHTTP, &HTTPConn{}
	case isSMB(first, serverPort):
		return AppSMB, &SMBConn{}
	case serverPort == 502 && len(first) >= 8 && binary.BigEndian.Uint16(first[2:4]) == 0:
		return AppModbus, &ModbusConn{}
	case serverPort == 21:
		return AppFTP, &BannerConn{App: AppFTP}
	case serverPort == 23:
		return AppTelnet, &BannerConn{App: AppTelnet}
	case (serverPort == 514 || serverPort == 601) && dir == 0 && len(first) > 0 && (first[0] == '<' || first[0] >= '1' && first[0] <= '9'):
		return AppSyslog, &SyslogConn{}
	}
	return PortApp(6, serverPort), nil
}

func isRTSP(b []byte) bool {
	if bytes.HasPrefix(b, []byte("RTSP/1.")) {
		return true
	}
	sp := bytes.IndexByte(b, ' ')
	return sp > 0 && sp < 16 && bytes.HasPrefix(b[sp+1:], []byte("rtsp://"))
}

func isSMB(b []byte, port uint16) bool {
	if len(b) >= 8 && b[0] == 0 && (string(b[4:8]) == "\xffSMB" || string(b[4:8]) == "\xfeSMB") {
		return true
	}
	return (port == 139 || port == 445) && len(b) >= 4 && (b[0] == 0x81 || b[0] == 0x85)
}

// PortApp names the protocol conventionally served on a port when the
// content said nothing (proto 6 TCP, 17 UDP).
func PortApp(proto uint8, port uint16) App {
	switch port {
	case 53:
		return AppDNS
	case 67, 68:
		if proto == 17 {
			return AppDHCP
		}
	case 546, 547:
		if proto == 17 {
			return AppDHCPv6
		}
	case 5353:
		return AppMDNS
	case 5355:
		return AppLLMNR
	case 137:
		return AppNBNS
	case 138:
		return AppNBDGM
	case 139, 445:
		return AppSMB
	case 1900:
		return AppSSDP
	case 161, 162:
		return AppSNMP
	case 502:
		return AppModbus
	case 514, 601:
		return AppSyslog
	case 104, 11112:
		return AppDICOM
	case 2575:
		return AppHL7
	case 21:
		return AppFTP
	case 22:
		return AppSSH
	case 23:
		return AppTelnet
	case 80, 8080:
		if proto == 6 {
			return AppHTTP
		}
	case 443, 8443:
		if proto == 6 {
			return AppTLS
		}
	case 554:
		return AppRTSP
	case 123:
		return AppNTP
	case 631:
		return AppIPP
	case 3389:
		return AppRDP
	case 5900:
		return AppVNC
	case 1883:
		return AppMQTT
	case 389:
		return AppLDAP
	case 88:
		return AppKerberos
	case 5060:
		return AppSIP
	case 24005, 24105:
		if proto == 17 {
			return AppIntelliVue
		}
	case 3702:
		if proto == 17 {
			return AppWSD
		}
	}
	if port >= 47808 && port <= 47823 && proto == 17 {
		return AppBACnet
	}
	return AppUnknown
}

// DissectUDP dissects one UDP datagram by its ports and returns the
// application recognised (AppUnknown when none).
func DissectUDP(sport, dport uint16, b []byte, o *Out) App {
	lo, hi := sport, dport
	if lo > hi {
		lo, hi = hi, lo
	}
	has := func(p uint16) bool { return sport == p || dport == p }
	switch {
	case has(67) || has(68):
		if DHCP(b, o) {
			return AppDHCP
		}
	case has(5353):
		if DNS(b, ModeMDNS, o) {
			return AppMDNS
		}
	case has(5355):
		if DNS(b, ModeLLMNR, o) {
			return AppLLMNR
		}
	case has(53):
		if DNS(b, ModeDNS, o) {
			return AppDNS
		}
	case has(137):
		if NBNS(b, o) {
			return AppNBNS
		}
	case has(138):
		if NBDGM(b, o) {
			return AppNBDGM
		}
	case has(1900):
		if SSDP(b, o) {
			return AppSSDP
		}
	case has(161) || has(162):
		if SNMP(b, o) {
			return AppSNMP
		}
	case has(514):
		if Syslog(b, o) {
			return AppSyslog
		}
	case has(3702):
		if WSDiscovery(b, o) {
			return AppWSD
		}
	case has(24005) || has(24105):
		if IntelliVue(dport, b, o) {
			return AppIntelliVue
		}
	case isBACnetPort(sport) || isBACnetPort(dport):
		if BACnet(b, o) {
			return AppBACnet
		}
	}
	if a := PortApp(17, lo); a != AppUnknown {
		return a
	}
	return PortApp(17, hi)
}

// UDPDissectable reports whether DissectUDP has a dissector for a datagram
// between these ports; flows for which it is false skip dissection.
func UDPDissectable(sport, dport uint16) bool {
	for _, p := range [2]uint16{sport, dport} {
		switch p {
		case 67, 68, 5353, 5355, 53, 137, 138, 1900, 161, 162, 514, 3702, 24005, 24105:
			return true
		}
		if isBACnetPort(p) {
			return true
		}
	}
	return false
}

func isBACnetPort(p uint16) bool { return p >= 47808 && p <= 47823 }
