package scan

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
)

// Oracle TNS (Transparent Network Substrate) packets: enough of the listener
// protocol to ask for its version and to learn whether it knows a SID or a
// service name. TNS packet: 2-byte length, 2-byte packet checksum, type,
// flags, 2-byte header checksum, then the body.

// TNS packet types.
const (
	TNSConnect  = 1
	TNSAccept   = 2
	TNSRefuse   = 4
	TNSRedirect = 5
	TNSData     = 6
	TNSResend   = 11
)

// TNSConnectPacket builds a CONNECT packet (protocol version 314, compatible
// down to 300, SDU 8192) carrying connectData, the descriptor such as
// "(CONNECT_DATA=(COMMAND=version))". Descriptors of more than 230 bytes
// are refused: listeners expect longer ones in a following DATA packet.
func TNSConnectPacket(connectData string) ([]byte, error) {
	if len(connectData) > 230 {
		return nil, fmt.Errorf("tns connect data of %d bytes: at most 230", len(connectData))
	}
	const dataOffset = 58
	b := make([]byte, dataOffset, dataOffset+len(connectData))
	binary.BigEndian.PutUint16(b[0:], uint16(dataOffset+len(connectData)))
	b[4] = TNSConnect
	binary.BigEndian.PutUint16(b[8:], 314)     // version
	binary.BigEndian.PutUint16(b[10:], 300)    // lowest compatible version
	binary.BigEndian.PutUint16(b[12:], 0)      // global service options
	binary.BigEndian.PutUint16(b[14:], 8192)   // SDU
	binary.BigEndian.PutUint16(b[16:], 32767)  // TDU
	binary.BigEndian.PutUint16(b[18:], 0x7f08) // protocol characteristics
	binary.BigEndian.PutUint16(b[20:], 0)      // line turnaround
	binary.BigEndian.PutUint16(b[22:], 1)      // value of 1 in hardware byte order
	binary.BigEndian.PutUint16(b[24:], uint16(len(connectData)))
	binary.BigEndian.PutUint16(b[26:], dataOffset)
	// 28–31 max receivable connect data, 32–33 connect flags, 34–57 trace
	// and cross-facility fields: zero.
	return append(b, connectData...), nil
}

// TNSPacket is one parsed listener answer.
type TNSPacket struct {
	Type byte
	// Data is the text a REFUSE or REDIRECT carries, or an ACCEPT's connect
	// data; for DATA packets the payload after the data flags.
	Data string
}

// ParseTNS reads one TNS packet from b and returns it with the bytes used.
func ParseTNS(b []byte) (TNSPacket, int, error) {
	if len(b) < 8 {
		return TNSPacket{}, 0, fmt.Errorf("tns header truncated")
	}
	n := int(binary.BigEndian.Uint16(b))
	if n < 8 || n > len(b) {
		return TNSPacket{}, 0, fmt.Errorf("tns packet length %d of %d bytes", n, len(b))
	}
	p := TNSPacket{Type: b[4]}
	body := b[8:n]
	switch p.Type {
	case TNSRefuse: // user reason, system reason, data length, data
		if len(body) >= 4 {
			l := int(binary.BigEndian.Uint16(body[2:]))
			p.Data = string(body[4:min(len(body), 4+l)])
		}
	case TNSRedirect: // data length, data
		if len(body) >= 2 {
			l := int(binary.BigEndian.Uint16(body))
			p.Data = string(body[2:min(len(body), 2+l)])
		}
	case TNSAccept: // version, options, SDU, TDU, hardware, data length, data offset …
		if len(body) >= 16 {
			l, off := int(binary.BigEndian.Uint16(body[10:])), int(binary.BigEndian.Uint16(body[12:]))
			if off >= 8 && off+l <= n {
				p.Data = string(b[off : off+l])
			}
		}
	case TNSData:
		if len(body) >= 2 {
			p.Data = string(body[2:])
		}
	}
	return p, n, nil
}

var (
	vsnRE = regexp.MustCompile(`\(VSNNUM=(\d+)\)`)
	errRE = regexp.MustCompile(`\(ERR=(\d+)\)`)
)

// TNSVersion decodes the listener's VSNNUM (a decimal of the version's
// nibbles: 0x0B200200 is 11.2.0.2.0) from a REFUSE text; "" when absent.
func TNSVersion(text string) string {
	m := vsnRE.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	v, err := strconv.ParseUint(m[1], 10, 32)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d.%d.%d", v>>24, v>>20&0xf, v>>12&0xff, v>>8&0xf, v&0xff)
}

// TNSError returns the ERR= code of a REFUSE text (12505 unknown SID, 12514
// unknown service, 1189/1169 remote command refused); 0 when absent.
func TNSError(text string) int {
	m := errRE.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// tnsVersionProbe asks a listener for its version; listeners of every
// release answer with a REFUSE that carries VSNNUM even when remote
// administration is refused.
func tnsVersionProbe() []byte {
	b, _ := TNSConnectPacket("(CONNECT_DATA=(COMMAND=version))")
	return b
}
