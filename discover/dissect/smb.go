package dissect

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// SMBConn dissects SMB over NetBIOS session service or direct TCP (ports
// 139, 445): the NetBIOS session request names, SMB1 session setup native
// OS and LAN manager strings, the SMB2 dialect, and the NTLMSSP messages
// inside session setups (client host, domain and user; server NetBIOS and
// DNS names; OS versions). Read and write payloads are skipped.
type SMBConn struct {
	msgs  [2]int
	authd [2]bool
}

const maxSMBMessage = 64 << 10

// maxSMBMessages bounds the messages read per direction.
const maxSMBMessages = 64

// Feed implements StreamParser.
func (c *SMBConn) Feed(dir int, b []byte, o *Out) (int, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var n int
	switch b[0] {
	case 0x00:
		n = int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	case 0x81, 0x82, 0x83, 0x84, 0x85:
		n = int(binary.BigEndian.Uint16(b[2:4]))
	default:
		return 0, true
	}
	total := 4 + n
	c.msgs[dir]++
	if c.msgs[dir] > maxSMBMessages || c.authd[0] && c.authd[1] {
		return total, true
	}
	if b[0] == 0x81 { // session request: called name, calling name
		if len(b) < total {
			return 0, len(b) > 512
		}
		var buf [256]byte
		if called, next, ok := nbQuestionName(b[:total], 4, buf[:]); ok {
			o.emitNBName(Dst, called, false)
			if calling, _, ok := nbQuestionName(b[:total], next, buf[:]); ok {
				o.emitNBName(Src, calling, false)
			}
		}
		return total, false
	}
	if b[0] != 0 || n < 4 {
		return total, false
	}
	if len(b) < 8 {
		return 0, false
	}
	interesting := false
	switch string(b[4:8]) {
	case "\xffSMB":
		interesting = len(b) > 8 && (b[8] == 0x73 || b[8] == 0x72)
	case "\xfeSMB":
		interesting = len(b) >= 18 && binary.LittleEndian.Uint16(b[16:18]) <= 1
	default:
		return total, true
	}
	if !interesting || total > maxSMBMessage {
		return total, false
	}
	if len(b) < total {
		return 0, false
	}
	msg := b[4:total]
	if msg[0] == 0xff {
		c.smb1(dir, msg, o)
	} else {
		c.smb2(dir, msg, o)
	}
	return total, false
}

func (c *SMBConn) smb1(dir int, m []byte, o *Out) {
	if len(m) < 35 || m[4] != 0x73 {
		return
	}
	reply := m[9]&0x80 != 0
	unicode := binary.LittleEndian.Uint16(m[10:12])&0x8000 != 0
	wct := int(m[32])
	wstart := 33
	bccOff := wstart + 2*wct
	if bccOff+2 > len(m) {
		return
	}
	words := m[wstart:bccOff]
	bcc := int(binary.LittleEndian.Uint16(m[bccOff:]))
	bstart := bccOff + 2
	bend := min(bstart+bcc, len(m))
	p := bstart
	var blob []byte
	switch {
	case !reply && wct == 12:
		bl := int(binary.LittleEndian.Uint16(words[14:]))
		if p+bl > bend {
			return
		}
		blob = m[p : p+bl]
		p += bl
	case !reply && wct == 13:
		oem := int(binary.LittleEndian.Uint16(words[14:]))
		uni := int(binary.LittleEndian.Uint16(words[16:]))
		p += oem + uni
		if p > bend {
			return
		}
		var s []byte
		var ok bool
		if s, p, ok = smbString(m, p, bend, unicode, o.fbuf[:0]); !ok { // account
			return
		}
		if len(s) > 0 {
			o.Fact(Src, NTLMUser, s)
		}
		if s, p, ok = smbString(m, p, bend, unicode, o.fbuf[:0]); !ok { // primary domain
			return
		}
		if len(s) > 0 {
			o.Fact(Src, NTLMDomain, s)
		}
	case reply && wct == 4:
		bl := int(binary.LittleEndian.Uint16(words[6:]))
		if p+bl > bend {
			return
		}
		blob = m[p : p+bl]
		p += bl
	case reply && wct == 3:
	default:
		return
	}
	if len(blob) > 0 {
		c.ntlm(dir, blob, o)
	}
	osName, p, ok := smbString(m, p, bend, unicode, o.fbuf[:0])
	if !ok {
		return
	}
	if len(osName) > 0 {
		o.Fact(Src, SMBNativeOS, osName)
	}
	lanman, _, ok := smbString(m, p, bend, unicode, o.tbuf[:0])
	if ok && len(lanman) > 0 {
		o.Fact(Src, SMBNativeLanman, lanman)
	}
}

// smbString reads a NUL-terminated string at p (Unicode strings are aligned
// to an even offset from the SMB header).
func smbString(m []byte, p, end int, unicode bool, dst []byte) ([]byte, int, bool) {
	if p > end {
		return nil, p, false
	}
	if !unicode {
		i := bytes.IndexByte(m[p:end], 0)
		if i < 0 {
			return m[p:end], end, true
		}
		return m[p : p+i], p + i + 1, true
	}
	if p%2 == 1 {
		p++
	}
	for q := p; q+1 < end; q += 2 {
		if m[q] == 0 && m[q+1] == 0 {
			return appendUTF16(dst, m[p:q]), q + 2, true
		}
	}
	if p >= end {
		return nil, end, p == end
	}
	return appendUTF16(dst, m[p:p+(end-p)&^1]), end, true
}

// appendUTF16 converts UTF-16LE to UTF-8.
func appendUTF16(dst, b []byte) []byte {
	for i := 0; i+1 < len(b); i += 2 {
		r := rune(binary.LittleEndian.Uint16(b[i:]))
		if utf16.IsSurrogate(r) && i+3 < len(b) {
			r2 := rune(binary.LittleEndian.Uint16(b[i+2:]))
			if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
				dst = utf8.AppendRune(dst, d)
				i += 2
				continue
			}
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

func (c *SMBConn) smb2(dir int, m []byte, o *Out) {
	if len(m) < 64+8 {
		return
	}
	cmd := binary.LittleEndian.Uint16(m[12:14])
	reply := binary.LittleEndian.Uint32(m[16:20])&1 != 0
	body := m[64:]
	switch cmd {
	case 0: // negotiate
		if reply && len(body) >= 6 {
			o.Fact(Src, SMBDialect, smb2Dialect(binary.LittleEndian.Uint16(body[4:6]), o.fbuf[:0]))
		}
	case 1: // session setup
		var off, l int
		if !reply && len(body) >= 16 {
			off = int(binary.LittleEndian.Uint16(body[12:14]))
			l = int(binary.LittleEndian.Uint16(body[14:16]))
		} else if reply && len(body) >= 8 {
			off = int(binary.LittleEndian.Uint16(body[4:6]))
			l = int(binary.LittleEndian.Uint16(body[6:8]))
		}
		if off > 0 && off+l <= len(m) {
			c.ntlm(dir, m[off:off+l], o)
		}
	}
}

func smb2Dialect(d uint16, dst []byte) []byte {
	switch d {
	case 0x0202:
		return append(dst, "2.0.2"...)
	case 0x0210:
		return append(dst, "2.1"...)
	case 0x0300:
		return append(dst, "3.0"...)
	case 0x0302:
		return append(dst, "3.0.2"...)
	case 0x0311:
		return append(dst, "3.1.1"...)
	case 0x02ff:
		return append(dst, "2.???"...)
	}
	dst = append(dst, "0x"...)
	return appendHex4(dst, d)
}

// ntlm finds an NTLMSSP message in a security blob (raw or inside SPNEGO).
func (c *SMBConn) ntlm(dir int, blob []byte, o *Out) {
	i := bytes.Index(blob, []byte("NTLMSSP\x00"))
	if i < 0 {
		return
	}
	if NTLM(blob[i:], o) == 3 {
		c.authd[dir] = true
	}
}

// NTLM dissects an NTLMSSP message and returns its type (0 if malformed).
// Negotiate and authenticate messages describe the client (Src), the
// challenge describes the server.
func NTLM(m []byte, o *Out) int {
	if len(m) < 12 || string(m[:8]) != "NTLMSSP\x00" {
		return 0
	}
	typ := int(binary.LittleEndian.Uint32(m[8:12]))
	field := func(at int) []byte {
		if at+8 > len(m) {
			return nil
		}
		l := int(binary.LittleEndian.Uint16(m[at:]))
		off := int(binary.LittleEndian.Uint32(m[at+4:]))
		if l == 0 || off < 0 || off+l > len(m) {
			return nil
		}
		return m[off : off+l]
	}
	str := func(b []byte, unicode bool, dst []byte) []byte {
		if unicode {
			return appendUTF16(dst, b)
		}
		return append(dst, b...)
	}
	version := func(at int, flags uint32) {
		if flags&0x02000000 == 0 || at+8 > len(m) || m[at] == 0 {
			return
		}
		v := strconv.AppendUint(o.tbuf[:0], uint64(m[at]), 10)
		v = append(v, '.')
		v = strconv.AppendUint(v, uint64(m[at+1]), 10)
		v = append(v, '.')
		v = strconv.AppendUint(v, uint64(binary.LittleEndian.Uint16(m[at+2:])), 10)
		o.Fact(Src, NTLMOSVersion, v)
	}
	switch typ {
	case 1:
		if len(m) < 16 {
			return 0
		}
		flags := binary.LittleEndian.Uint32(m[12:16])
		if d := field(16); len(d) > 0 {
			o.Fact(Src, NTLMDomain, d)
		}
		if w := field(24); len(w) > 0 {
			o.Fact(Src, NTLMHost, w)
		}
		version(32, flags)
	case 2:
		if len(m) < 48 {
			return 0
		}
		flags := binary.LittleEndian.Uint32(m[20:24])
		unicode := flags&1 != 0
		info := field(40)
		hasInfo := len(info) > 0
		for len(info) >= 4 {
			id := binary.LittleEndian.Uint16(info)
			l := int(binary.LittleEndian.Uint16(info[2:]))
			if id == 0 || 4+l > len(info) {
				break
			}
			v := info[4 : 4+l]
			switch id {
			case 1:
				o.Fact(Src, NTLMServerHost, appendUTF16(o.fbuf[:0], v))
			case 2:
				o.Fact(Src, NTLMServerDomain, appendUTF16(o.fbuf[:0], v))
			case 3:
				o.Fact(Src, NTLMServerDNS, appendUTF16(o.fbuf[:0], v))
			}
			info = info[4+l:]
		}
		if t := field(12); len(t) > 0 && !hasInfo {
			o.Fact(Src, NTLMServerDomain, str(t, unicode, o.fbuf[:0]))
		}
		version(48, flags)
	case 3:
		if len(m) < 64 {
			return 0
		}
		flags := binary.LittleEndian.Uint32(m[60:64])
		unicode := flags&1 != 0
		if d := field(28); len(d) > 0 {
			o.Fact(Src, NTLMDomain, str(d, unicode, o.fbuf[:0]))
		}
		if u := field(36); len(u) > 0 {
			o.Fact(Src, NTLMUser, str(u, unicode, o.fbuf[:0]))
		}
		if w := field(44); len(w) > 0 {
			o.Fact(Src, NTLMHost, str(w, unicode, o.fbuf[:0]))
		}
		version(64, flags)
	default:
		return 0
	}
	return typ
}
