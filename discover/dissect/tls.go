package dissect

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"hash/maphash"
	"slices"
	"strconv"
	"sync"
)

// IsTLS reports whether b starts with a TLS handshake record.
func IsTLS(b []byte) bool {
	return len(b) >= 3 && b[0] == 22 && b[1] == 3 && b[2] <= 4
}

func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// ClientHello is the part of a TLS ClientHello that fingerprints use.
type ClientHello struct {
	Version    uint16
	Ciphers    []uint16
	Extensions []uint16
	Groups     []uint16
	PointFmts  []uint8
	SigAlgs    []uint16
	Versions   []uint16 // supported_versions
	ALPN       [][]byte
	SNI        []byte
}

func (h *ClientHello) reset() {
	h.Version = 0
	h.Ciphers = h.Ciphers[:0]
	h.Extensions = h.Extensions[:0]
	h.Groups = h.Groups[:0]
	h.PointFmts = h.PointFmts[:0]
	h.SigAlgs = h.SigAlgs[:0]
	h.Versions = h.Versions[:0]
	h.ALPN = h.ALPN[:0]
	h.SNI = nil
}

// ParseClientHello parses a ClientHello handshake body (after the 4-byte
// handshake header) into h; slices alias body.
func ParseClientHello(body []byte, h *ClientHello) bool {
	h.reset()
	if len(body) < 38 {
		return false
	}
	h.Version = binary.BigEndian.Uint16(body)
	p := 34
	sid := int(body[p])
	p += 1 + sid
	if p+2 > len(body) {
		return false
	}
	n := int(binary.BigEndian.Uint16(body[p:]))
	p += 2
	if p+n > len(body) || n%2 != 0 {
		return false
	}
	for i := 0; i < n; i += 2 {
		h.Ciphers = append(h.Ciphers, binary.BigEndian.Uint16(body[p+i:]))
	}
	p += n
	if p >= len(body) {
		return false
	}
	p += 1 + int(body[p]) // compression methods
	if p+2 > len(body) {
		return p <= len(body) // no extensions
	}
	n = int(binary.BigEndian.Uint16(body[p:]))
	p += 2
	end := min(p+n, len(body))
	for p+4 <= end {
		typ := binary.BigEndian.Uint16(body[p:])
		l := int(binary.BigEndian.Uint16(body[p+2:]))
		p += 4
		if p+l > end {
			return false
		}
		v := body[p : p+l]
		p += l
		h.Extensions = append(h.Extensions, typ)
		switch typ {
		case 0: // server_name
			if len(v) >= 5 && v[2] == 0 {
				nl := int(binary.BigEndian.Uint16(v[3:]))
				if 5+nl <= len(v) {
					h.SNI = v[5 : 5+nl]
				}
			}
		case 10: // supported_groups
			if len(v) >= 2 {
				gl := min(int(binary.BigEndian.Uint16(v)), len(v)-2)
				for i := 0; i+1 < gl; i += 2 {
					h.Groups = append(h.Groups, binary.BigEndian.Uint16(v[2+i:]))
				}
			}
		case 11: // ec_point_formats
			if len(v) >= 1 {
				fl := min(int(v[0]), len(v)-1)
				h.PointFmts = append(h.PointFmts, v[1:1+fl]...)
			}
		case 13: // signature_algorithms
			if len(v) >= 2 {
				sl := min(int(binary.BigEndian.Uint16(v)), len(v)-2)
				for i := 0; i+1 < sl; i += 2 {
					h.SigAlgs = append(h.SigAlgs, binary.BigEndian.Uint16(v[2+i:]))
				}
			}
		case 16: // ALPN
			if len(v) >= 2 {
				al := min(int(binary.BigEndian.Uint16(v)), len(v)-2)
				for i := 2; i < 2+al; {
					pl := int(v[i])
					if i+1+pl > 2+al {
						break
					}
					h.ALPN = append(h.ALPN, v[i+1:i+1+pl])
					i += 1 + pl
				}
			}
		case 43: // supported_versions
			if len(v) >= 1 {
				vl := min(int(v[0]), len(v)-1)
				for i := 0; i+1 < vl; i += 2 {
					h.Versions = append(h.Versions, binary.BigEndian.Uint16(v[1+i:]))
				}
			}
		}
	}
	return true
}

// AppendJA3 appends the JA3 string ("771,4865-...,0-23-...,29-23,0") to dst.
func (h *ClientHello) AppendJA3(dst []byte) []byte {
	dst = strconv.AppendUint(dst, uint64(h.Version), 10)
	dst = append(dst, ',')
	dst = appendDecList(dst, h.Ciphers)
	dst = append(dst, ',')
	dst = appendDecList(dst, h.Extensions)
	dst = append(dst, ',')
	dst = appendDecList(dst, h.Groups)
	dst = append(dst, ',')
	for i, f := range h.PointFmts {
		if i > 0 {
			dst = append(dst, '-')
		}
		dst = strconv.AppendUint(dst, uint64(f), 10)
	}
	return dst
}

func appendDecList(dst []byte, vs []uint16) []byte {
	first := true
	for _, v := range vs {
		if isGREASE(v) {
			continue
		}
		if !first {
			dst = append(dst, '-')
		}
		first = false
		dst = strconv.AppendUint(dst, uint64(v), 10)
	}
	return dst
}

func appendHex4(dst []byte, v uint16) []byte {
	return append(dst, hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// AppendJA4 appends the JA4 fingerprint (FoxIO JA4, TLS over TCP) to dst.
// scratch is reused for the sorted lists.
func (h *ClientHello) AppendJA4(dst []byte, quic bool, scratch []uint16) []byte {
	if quic {
		dst = append(dst, 'q')
	} else {
		dst = append(dst, 't')
	}
	ver := uint16(0)
	for _, v := range h.Versions {
		if !isGREASE(v) && v > ver {
			ver = v
		}
	}
	if ver == 0 {
		ver = h.Version
	}
	switch ver {
	case 0x0304:
		dst = append(dst, "13"...)
	case 0x0303:
		dst = append(dst, "12"...)
	case 0x0302:
		dst = append(dst, "11"...)
	case 0x0301:
		dst = append(dst, "10"...)
	case 0x0300:
		dst = append(dst, "s3"...)
	case 0x0200:
		dst = append(dst, "s2"...)
	case 0x0100:
		dst = append(dst, "s1"...)
	default:
		dst = append(dst, "00"...)
	}
	if slices.Contains(h.Extensions, 0) {
		dst = append(dst, 'd')
	} else {
		dst = append(dst, 'i')
	}
	nc, ne := 0, 0
	for _, c := range h.Ciphers {
		if !isGREASE(c) {
			nc++
		}
	}
	for _, e := range h.Extensions {
		if !isGREASE(e) {
			ne++
		}
	}
	dst = append(dst, byte('0'+min(nc, 99)/10), byte('0'+min(nc, 99)%10))
	dst = append(dst, byte('0'+min(ne, 99)/10), byte('0'+min(ne, 99)%10))
	if len(h.ALPN) > 0 && len(h.ALPN[0]) > 0 {
		a := h.ALPN[0]
		f, l := a[0], a[len(a)-1]
		if isAlnum(f) && isAlnum(l) {
			dst = append(dst, f, l)
		} else {
			dst = append(dst, hexDigits[f>>4], hexDigits[l&0xf])
		}
	} else {
		dst = append(dst, "00"...)
	}
	dst = append(dst, '_')

	var raw [768]byte
	list := scratch[:0]
	for _, c := range h.Ciphers {
		if !isGREASE(c) {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		dst = append(dst, "000000000000"...)
	} else {
		slices.Sort(list)
		s := raw[:0]
		for i, c := range list {
			if i > 0 {
				s = append(s, ',')
			}
			s = appendHex4(s, c)
		}
		sum := sha256.Sum256(s)
		dst = appendHex(dst, sum[:6])
	}
	dst = append(dst, '_')
	list = list[:0]
	for _, e := range h.Extensions {
		if !isGREASE(e) && e != 0 && e != 16 {
			list = append(list, e)
		}
	}
	if len(list) == 0 {
		return append(dst, "000000000000"...)
	}
	slices.Sort(list)
	s := raw[:0]
	for i, e := range list {
		if i > 0 {
			s = append(s, ',')
		}
		s = appendHex4(s, e)
	}
	if len(h.SigAlgs) > 0 {
		s = append(s, '_')
		first := true
		for _, a := range h.SigAlgs {
			if isGREASE(a) {
				continue
			}
			if !first {
				s = append(s, ',')
			}
			first = false
			s = appendHex4(s, a)
		}
	}
	sum := sha256.Sum256(s)
	return appendHex(dst, sum[:6])
}

// TLSConn dissects the handshake of a TLS connection: the client's
// ClientHello (SNI, ALPN, JA3, JA4) and the server's first certificate
// (subject, issuer, DNS names) when the version sends it in clear.
type TLSConn struct {
	hs    [2][]byte // handshake bytes gathered per direction
	hello ClientHello
	sc    [128]uint16
	tls13 bool
}

// maxHandshake bounds the handshake bytes buffered per direction.
const maxHandshake = 64 << 10

// Feed implements StreamParser.
func (c *TLSConn) Feed(dir int, b []byte, o *Out) (int, bool) {
	if len(b) < 5 {
		return 0, false
	}
	typ := b[0]
	if b[1] != 3 && !(b[1] == 2 && dir == 0) {
		return 0, true
	}
	l := int(binary.BigEndian.Uint16(b[3:5]))
	if len(b) < 5+l {
		if 5+l > maxHandshake {
			return 0, true
		}
		return 0, false
	}
	rec := b[5 : 5+l]
	if typ != 22 { // change cipher spec, alert, application data: the clear part is over
		return 5 + l, true
	}
	if len(c.hs[dir])+len(rec) > maxHandshake {
		return 5 + l, true
	}
	c.hs[dir] = append(c.hs[dir], rec...)
	done := false
	for len(c.hs[dir]) >= 4 {
		hb := c.hs[dir]
		ml := int(hb[1])<<16 | int(hb[2])<<8 | int(hb[3])
		if len(hb) < 4+ml {
			break
		}
		body := hb[4 : 4+ml]
		switch hb[0] {
		case 1: // ClientHello
			if dir == 0 {
				c.clientHello(body, o)
				done = true
			}
		case 2: // ServerHello
			if sh := serverHelloVersion(body); sh == 0x0304 {
				c.tls13 = true
				done = true // the certificate follows encrypted
			}
			if sh := serverHelloVersion(body); sh != 0 {
				o.Fact(Src, TLSVersion, tlsVersionName(sh))
			}
		case 11: // Certificate
			certificate(body, o)
			done = true
		case 14, 12, 13: // ServerHelloDone, ServerKeyExchange, CertificateRequest
			if hb[0] == 14 {
				done = true
			}
		}
		c.hs[dir] = hb[4+ml:]
		if done {
			break
		}
	}
	if done {
		c.hs[dir] = nil
	}
	return 5 + l, done
}

func (c *TLSConn) clientHello(body []byte, o *Out) {
	h := &c.hello
	if !ParseClientHello(body, h) {
		return
	}
	if len(h.SNI) > 0 {
		o.Fact(Src, TLSSNI, h.SNI)
	}
	for _, a := range h.ALPN {
		if len(a) > 0 {
			o.Fact(Src, TLSALPN, a)
		}
	}
	ja3 := h.AppendJA3(o.fbuf[:0])
	o.Fact(Src, TLSJA3Full, ja3)
	sum := md5.Sum(ja3)
	var hx [32]byte
	o.Fact(Src, TLSJA3, appendHex(hx[:0], sum[:]))
	o.Fact(Src, TLSJA4, h.AppendJA4(o.tbuf[:0], false, c.sc[:0]))
}

func serverHelloVersion(body []byte) uint16 {
	if len(body) < 38 {
		return 0
	}
	ver := binary.BigEndian.Uint16(body)
	p := 34
	p += 1 + int(body[p])
	p += 2 + 1 // cipher, compression
	if p+2 > len(body) {
		return ver
	}
	n := int(binary.BigEndian.Uint16(body[p:]))
	p += 2
	end := min(p+n, len(body))
	for p+4 <= end {
		typ := binary.BigEndian.Uint16(body[p:])
		l := int(binary.BigEndian.Uint16(body[p+2:]))
		p += 4
		if p+l > end {
			break
		}
		if typ == 43 && l == 2 {
			return binary.BigEndian.Uint16(body[p:])
		}
		p += l
	}
	return ver
}

func tlsVersionName(v uint16) []byte {
	switch v {
	case 0x0304:
		return []byte("TLS 1.3")
	case 0x0303:
		return []byte("TLS 1.2")
	case 0x0302:
		return []byte("TLS 1.1")
	case 0x0301:
		return []byte("TLS 1.0")
	case 0x0300:
		return []byte("SSL 3.0")
	}
	return []byte("0x" + strconv.FormatUint(uint64(v), 16))
}

// certInfo is what is kept of a parsed certificate.
type certInfo struct {
	subject, issuer []byte
	san             [][]byte
}

// certCache avoids re-parsing the same server certificate for every
// connection: servers present one certificate to many clients.
var certCache = struct {
	sync.Mutex
	seed maphash.Seed
	m    map[uint64]*certInfo
}{seed: maphash.MakeSeed(), m: map[uint64]*certInfo{}}

const maxCertCache = 4096

func certificate(body []byte, o *Out) {
	if len(body) < 6 {
		return
	}
	// certificate_list length (3), then the first certificate's length (3).
	l := int(body[3])<<16 | int(body[4])<<8 | int(body[5])
	if 6+l > len(body) || l == 0 {
		return
	}
	der := body[6 : 6+l]
	key := maphash.Bytes(certCache.seed, der)
	certCache.Lock()
	ci, ok := certCache.m[key]
	certCache.Unlock()
	if !ok {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		ci = &certInfo{subject: []byte(cert.Subject.String()), issuer: []byte(cert.Issuer.String())}
		for _, n := range cert.DNSNames {
			if len(ci.san) == 16 {
				break
			}
			ci.san = append(ci.san, []byte(n))
		}
		certCache.Lock()
		if len(certCache.m) >= maxCertCache {
			clear(certCache.m)
		}
		certCache.m[key] = ci
		certCache.Unlock()
	}
	if len(ci.subject) > 0 {
		o.Fact(Src, TLSCertSubject, ci.subject)
	}
	if len(ci.issuer) > 0 {
		o.Fact(Src, TLSCertIssuer, ci.issuer)
	}
	for _, s := range ci.san {
		o.Fact(Src, TLSCertSAN, s)
	}
}
