package dissect

import (
	"encoding/binary"
	"strconv"
)

// netbiosSuffix describes the 16th byte of a NetBIOS name (the usual
// Microsoft service table).
func netbiosSuffix(s byte) string {
	switch s {
	case 0x00, 0x02:
		return "Workstation/Redirector"
	case 0x01:
		return "Browser"
	case 0x03:
		return "Messenger service/Main name"
	case 0x05:
		return "Forwarded name"
	case 0x06:
		return "RAS Server service"
	case 0x1b:
		return "Domain Master Browser"
	case 0x1c:
		return "Domain Controllers"
	case 0x1d:
		return "Local Master Browser"
	case 0x1e:
		return "Browser Election Service"
	case 0x1f:
		return "Net DDE Service"
	case 0x20:
		return "Server service"
	case 0x21:
		return "RAS client service"
	case 0x22:
		return "Exchange Interchange (MSMail Connector)"
	case 0x23:
		return "Exchange Store"
	case 0x24:
		return "Exchange Directory"
	case 0x2b:
		return "Lotus Notes Server service"
	case 0x30:
		return "Modem sharing server service"
	case 0x31:
		return "Modem sharing client service"
	case 0x43:
		return "SMS Clients Remote Control"
	case 0x44:
		return "SMS Administrators Remote Control Tool"
	case 0x45:
		return "SMS Clients Remote Chat"
	case 0x46:
		return "SMS Clients Remote Transfer"
	case 0x4c, 0x52:
		return "DEC Pathworks TCP/IP Service on Windows NT"
	case 0x6a:
		return "Microsoft Exchange IMC"
	case 0x87:
		return "Microsoft Exchange MTA"
	case 0xbe:
		return "Network Monitor Agent"
	case 0xbf:
		return "Network Monitor Analyzer"
	}
	return "Unknown"
}

// decodeNBName decodes a first-level encoded NetBIOS name (32 bytes of
// 'A'..'P') into its 16 raw bytes.
func decodeNBName(enc []byte) (raw [16]byte, ok bool) {
	if len(enc) != 32 {
		return raw, false
	}
	for i := range 16 {
		hi, lo := enc[2*i]-'A', enc[2*i+1]-'A'
		if hi > 15 || lo > 15 {
			return raw, false
		}
		raw[i] = hi<<4 | lo
	}
	return raw, true
}

// formatNBName renders raw name bytes as "NAME<xx>": trailing spaces of the
// 15-character name dropped, unprintable bytes as <xx>, then the suffix.
func formatNBName(dst []byte, raw [16]byte) []byte {
	name := raw[:15]
	for len(name) > 0 && name[len(name)-1] == ' ' {
		name = name[:len(name)-1]
	}
	for _, c := range name {
		if c < 0x20 || c >= 0x7f {
			dst = append(dst, '<', hexDigits[c>>4], hexDigits[c&0xf], '>')
		} else {
			dst = append(dst, c)
		}
	}
	return append(dst, '<', hexDigits[raw[15]>>4], hexDigits[raw[15]&0xf], '>')
}

// plainNBName is the name without suffix and padding (for host names).
func plainNBName(raw [16]byte) []byte {
	name := raw[:15]
	for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == 0) {
		name = name[:len(name)-1]
	}
	return name
}

// nbQuestionName reads an encoded NetBIOS name in DNS label form.
func nbQuestionName(msg []byte, off int, buf []byte) (raw [16]byte, next int, ok bool) {
	name, next, ok := readName(msg, off, buf[:0])
	if !ok || len(name) < 32 {
		return raw, 0, false
	}
	raw, ok = decodeNBName(name[:32])
	return raw, next, ok
}

func (o *Out) emitNBName(side Side, raw [16]byte, group bool) {
	b := formatNBName(o.fbuf[:0], raw)
	o.Fact(side, NBName, b)
	n := len(b)
	b = append(b, " ("...)
	b = append(b, netbiosSuffix(raw[15])...)
	b = append(b, ')')
	o.Fact(side, NBNameDescribed, b)
	if group && (raw[15] == 0x00 || raw[15] == 0x1e || raw[15] == 0x1d || raw[15] == 0x1b || raw[15] == 0x1c) {
		o.Fact(side, NBDomain, plainNBName(raw))
	}
	_ = n
}

// NBNS dissects a NetBIOS name service message (UDP 137). Names a host
// registers, refreshes, releases or answers for are its own; names it asks
// for are not kept as its names.
func NBNS(msg []byte, o *Out) bool {
	if len(msg) < 12 {
		return false
	}
	flags := binary.BigEndian.Uint16(msg[2:4])
	response := flags&0x8000 != 0
	opcode := (flags >> 11) & 0xf
	qd := int(binary.BigEndian.Uint16(msg[4:6]))
	an := int(binary.BigEndian.Uint16(msg[6:8]))
	ns := int(binary.BigEndian.Uint16(msg[8:10]))
	ar := int(binary.BigEndian.Uint16(msg[10:12]))
	if qd+an+ns+ar > 64 {
		return false
	}
	buf := o.sbuf[:256]
	off := 12
	for range qd {
		raw, next, ok := nbQuestionName(msg, off, buf[:])
		if !ok || next+4 > len(msg) {
			return false
		}
		off = next + 4
		switch {
		case opcode == 0 && !response:
			// A lookup: the name is not the querier's own.
			o.Fact(Src, NBQuery, formatNBName(o.fbuf[:0], raw))
		case opcode == 5 || opcode == 6 || opcode == 8 || opcode == 9 || opcode == 15:
			group := false
			// The registration's additional record carries the NB flags.
			if ar > 0 {
				if _, nn, ok := readName(msg, off, buf[:0]); ok && nn+12 <= len(msg) {
					if binary.BigEndian.Uint16(msg[nn:]) == 0x20 && nn+12 <= len(msg) {
						group = binary.BigEndian.Uint16(msg[nn+10:])&0x8000 != 0
					}
				}
			}
			o.emitNBName(Src, raw, group)
		}
	}
	if !response {
		return true
	}
	for range an {
		raw, next, ok := nbQuestionName(msg, off, buf[:])
		if !ok || next+10 > len(msg) {
			return true
		}
		typ := binary.BigEndian.Uint16(msg[next:])
		rdlen := int(binary.BigEndian.Uint16(msg[next+8:]))
		rd := next + 10
		if rd+rdlen > len(msg) {
			return true
		}
		off = rd + rdlen
		rcode := flags & 0xf
		switch typ {
		case 0x20: // NB: a positive answer for the responder's name
			if rcode == 0 && opcode == 0 {
				group := rdlen >= 2 && binary.BigEndian.Uint16(msg[rd:])&0x8000 != 0
				o.emitNBName(Src, raw, group)
			}
		case 0x21: // NBSTAT: every name of the responder, then its MAC
			if rdlen < 1 {
				continue
			}
			n := int(msg[rd])
			p := rd + 1
			for range n {
				if p+18 > rd+rdlen {
					break
				}
				var r [16]byte
				copy(r[:], msg[p:p+16])
				group := binary.BigEndian.Uint16(msg[p+16:])&0x8000 != 0
				o.emitNBName(Src, r, group)
				p += 18
			}
		}
	}
	return true
}

// NBDGM dissects a NetBIOS datagram (UDP 138): the source name, and the
// browser announcement carried in an SMB mailslot transaction.
func NBDGM(msg []byte, o *Out) bool {
	if len(msg) < 14 || msg[0] < 0x10 || msg[0] > 0x12 {
		return false
	}
	buf := o.sbuf[:256]
	raw, next, ok := nbQuestionName(msg, 14, buf)
	if !ok {
		return false
	}
	o.emitNBName(Src, raw, false)
	_, next, ok = readName(msg, next, buf[:0]) // destination name
	if !ok {
		return true
	}
	browser(msg[next:], o)
	return true
}

// browser parses an SMB1 transaction to \MAILSLOT\BROWSE.
func browser(smb []byte, o *Out) {
	if len(smb) < 33+26 || string(smb[0:4]) != "\xffSMB" || smb[4] != 0x25 {
		return
	}
	wct := int(smb[32])
	if wct < 14 || 33+2*wct > len(smb) {
		return
	}
	dataCount := int(binary.LittleEndian.Uint16(smb[33+22:]))
	dataOff := int(binary.LittleEndian.Uint16(smb[33+24:]))
	if dataOff <= 0 || dataOff+dataCount > len(smb) || dataCount < 1 {
		return
	}
	d := smb[dataOff : dataOff+dataCount]
	switch d[0] {
	case 0x01, 0x0c, 0x0f: // host, domain/workgroup, local master announcement
		if len(d) < 32 {
			return
		}
		name := trimText(cstr(d[6:22]))
		if len(name) > 0 {
			if d[0] == 0x0c {
				o.Fact(Src, BrowserDomain, name)
			} else {
				o.Fact(Src, BrowserServer, name)
			}
		}
		if d[0] != 0x0c {
			o.Fact(Src, BrowserType, appendServerType(o.tbuf[:0], binary.LittleEndian.Uint32(d[24:28])))
		}
		v := strconv.AppendUint(o.fbuf[:0], uint64(d[22]), 10)
		v = append(v, '.')
		v = strconv.AppendUint(v, uint64(d[23]), 10)
		o.Fact(Src, BrowserOS, v)
		comment := cstr(d[32:])
		if len(comment) > 0 {
			if d[0] == 0x0c {
				// The comment of a domain announcement names the master browser.
				o.Fact(Src, BrowserServer, comment)
			} else {
				o.Fact(Src, BrowserComment, comment)
			}
		}
	}
}

// cstr returns b up to its first NUL.
func cstr(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

var serverTypes = [...]string{0: "workstation", 1: "server", 2: "sql-server", 3: "domain-controller",
	4: "backup-controller", 5: "time-source", 6: "apple", 7: "novell", 8: "domain-member", 9: "print-server",
	10: "dialin-server", 11: "xenix", 12: "nt-workstation", 13: "wfw", 15: "nt-server", 16: "potential-browser",
	17: "backup-browser", 18: "master-browser", 19: "domain-master-browser", 20: "osf", 21: "vms", 22: "windows-9x",
	23: "dfs", 30: "local-list", 31: "domain-enum"}

func appendServerType(dst []byte, t uint32) []byte {
	first := true
	for i, n := range serverTypes {
		if n == "" || t&(1<<i) == 0 {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, n...)
	}
	return dst
}
