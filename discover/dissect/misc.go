package dissect

import "bytes"

// BannerConn reads the first line each side sends on line-oriented
// protocols: SSH version banners, FTP greetings and USER commands, RTSP
// status lines and Server headers, and marks Telnet servers.
type BannerConn struct {
	App   App
	lines [2]int
}

const maxBannerLines = 8

var (
	bTelnet = []byte("server")
)

// Feed implements StreamParser.
func (c *BannerConn) Feed(dir int, b []byte, o *Out) (int, bool) {
	if c.App == AppTelnet {
		if dir == 1 {
			o.Fact(Src, Telnet, bTelnet)
		}
		return len(b), true
	}
	if c.App == AppRTSP {
		return c.rtsp(dir, b, o)
	}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		if len(b) > 1024 {
			return len(b), true
		}
		return 0, false
	}
	line := bytes.TrimSpace(b[:nl])
	c.lines[dir]++
	switch c.App {
	case AppSSH:
		if bytes.HasPrefix(line, []byte("SSH-")) {
			o.Fact(Src, SSHBanner, line)
		}
		return nl + 1, true
	case AppFTP:
		if dir == 1 && bytes.HasPrefix(line, []byte("220")) && c.lines[dir] == 1 {
			o.Fact(Src, FTPBanner, bytes.TrimSpace(bytes.TrimLeft(line[3:], "- ")))
		}
		if dir == 0 && hasPrefixFold(line, "USER ") {
			o.Fact(Src, FTPUser, bytes.TrimSpace(line[5:]))
			return nl + 1, true
		}
	}
	return nl + 1, c.lines[dir] >= maxBannerLines
}

func (c *BannerConn) rtsp(dir int, b []byte, o *Out) (int, bool) {
	end := headerEnd(b)
	if end < 0 {
		return 0, len(b) > maxHead
	}
	c.lines[dir]++
	head := b[:end]
	_, rest := nextLine(head)
	for len(rest) > 0 {
		var line []byte
		line, rest = nextLine(rest)
		name, value, ok := header(line)
		if !ok {
			continue
		}
		switch {
		case dir == 1 && equalFold(name, "server"):
			o.Fact(Src, RTSPServer, value)
		case dir == 0 && equalFold(name, "user-agent"):
			o.Fact(Src, HTTPUserAgent, value)
		}
	}
	return end, c.lines[dir] >= 4
}

// WSDiscovery dissects a WS-Discovery datagram (UDP 3702, SOAP over UDP):
// the device types and scopes of Hello and ProbeMatches messages, which
// name ONVIF cameras and IEEE 11073 SDC medical devices.
func WSDiscovery(b []byte, o *Out) bool {
	if bytes.Index(b, []byte("Envelope")) < 0 {
		return false
	}
	announce := bytes.Contains(b, []byte("ProbeMatch")) || bytes.Contains(b, []byte("Hello>")) ||
		bytes.Contains(b, []byte("ResolveMatch"))
	if !announce {
		return true
	}
	for _, el := range [...]string{"Types", "Scopes", "XAddrs"} {
		v := xmlElement(b, el)
		for _, f := range bytes.Fields(v) {
			switch el {
			case "Types":
				o.Fact(Src, WSDTypes, f)
			case "Scopes":
				if len(f) > 512 {
					f = f[:512]
				}
				o.Fact(Src, WSDScopes, f)
			case "XAddrs":
				o.Fact(Src, WSDXAddrs, f)
			}
		}
	}
	return true
}

// xmlElement returns the text of the first element with local name name
// (any namespace prefix).
func xmlElement(b []byte, name string) []byte {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return nil
		}
		s := i + j + 1
		e := bytes.IndexByte(b[s:], '>')
		if e < 0 {
			return nil
		}
		tag := b[s : s+e]
		i = s + e + 1
		if len(tag) == 0 || tag[0] == '/' || tag[len(tag)-1] == '/' {
			continue
		}
		if sp := bytes.IndexAny(tag, " \t\r\n"); sp >= 0 {
			tag = tag[:sp]
		}
		if c := bytes.IndexByte(tag, ':'); c >= 0 {
			tag = tag[c+1:]
		}
		if string(tag) != name {
			continue
		}
		end := bytes.IndexByte(b[i:], '<')
		if end < 0 {
			return nil
		}
		return bytes.TrimSpace(b[i : i+end])
	}
	return nil
}

var (
	bConnectIndication = []byte("connect-indication")
	bDataExportServer  = []byte("data-export-server")
)

// IntelliVue marks the Philips IntelliVue data export protocol: monitors
// announce themselves with Connect Indication messages to UDP port 24005 and
// accept data export associations on UDP port 24105 (Philips "Data Export
// Interface Programming Guide"). Only the ports are checked.
func IntelliVue(dstPort uint16, b []byte, o *Out) bool {
	switch dstPort {
	case 24005:
		o.Fact(Src, PhilipsDataExport, bConnectIndication)
	case 24105:
		o.Fact(Dst, PhilipsDataExport, bDataExportServer)
	default:
		return false
	}
	return true
}
