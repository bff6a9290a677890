package creds

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4"

	"bianque/scan"
)

func init() { register(smbProto{}) }

// smbProto logs in over SMB2 (MS-SMB2) with NTLMv2 (MS-NLMP): NEGOTIATE,
// then SESSION_SETUP carrying NTLMSSP NEGOTIATE, CHALLENGE and AUTHENTICATE.
// STATUS_SUCCESS without the guest flag is a login; a guest session (a
// server that maps bad passwords to guest) is not.
type smbProto struct{}

func (smbProto) Service() string { return "smb" }

// NT status codes.
const (
	statusSuccess         = 0x00000000
	statusMoreProcessing  = 0xC0000016
	statusLogonFailure    = 0xC000006D
	statusAccountLocked   = 0xC0000234
	statusAccountDisabled = 0xC0000072
	statusPasswordExpired = 0xC0000071
	statusPasswordMustChg = 0xC0000224
	statusAccountRestrict = 0xC000006E
)

func smbFrame(msg []byte) []byte {
	f := make([]byte, 4, 4+len(msg))
	binary.BigEndian.PutUint32(f, uint32(len(msg)))
	return append(f, msg...)
}

func readSMB(r io.Reader) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("read smb frame: %w", err)
	}
	n := binary.BigEndian.Uint32(h[:]) & 0xffffff
	if n < 64 || n > 1<<20 {
		return nil, fmt.Errorf("smb frame of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("read smb message: %w", err)
	}
	if !bytes.HasPrefix(b, []byte("\xfeSMB")) {
		return nil, fmt.Errorf("not an SMB2 message")
	}
	return b, nil
}

func smb2Header(cmd uint16, msgID, sessionID uint64) []byte {
	h := make([]byte, 64)
	copy(h, "\xfeSMB")
	binary.LittleEndian.PutUint16(h[4:], 64)
	binary.LittleEndian.PutUint16(h[12:], cmd)
	binary.LittleEndian.PutUint16(h[14:], 1) // credits requested
	binary.LittleEndian.PutUint64(h[24:], msgID)
	binary.LittleEndian.PutUint64(h[40:], sessionID)
	return h
}

func sessionSetup(msgID, sessionID uint64, token []byte) []byte {
	body := make([]byte, 24)
	binary.LittleEndian.PutUint16(body[0:], 25) // StructureSize
	body[3] = 1                                 // SecurityMode: signing enabled
	binary.LittleEndian.PutUint16(body[12:], 64+24)
	binary.LittleEndian.PutUint16(body[14:], uint16(len(token)))
	return smbFrame(append(append(smb2Header(1, msgID, sessionID), body...), token...))
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

const ntlmFlags = 0x00000001 | 0x00000004 | 0x00000200 | 0x00008000 | 0x00080000 | 0x00800000 | 0x20000000 | 0x80000000

// NTLMv2Response computes the NTLMv2 response (MS-NLMP 3.3.2) of user/domain
// with password to serverChallenge, given the client blob's time and nonce.
func NTLMv2Response(user, domain, pass string, serverChallenge, targetInfo []byte, ts uint64, clientNonce []byte) []byte {
	h := md4.New()
	h.Write(utf16le(pass))
	nt := h.Sum(nil)
	m := hmac.New(md5.New, nt)
	m.Write(utf16le(strings.ToUpper(user) + domain))
	v2 := m.Sum(nil)
	blob := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	blob = binary.LittleEndian.AppendUint64(blob, ts)
	blob = append(blob, clientNonce...)
	blob = append(blob, 0, 0, 0, 0)
	blob = append(blob, targetInfo...)
	blob = append(blob, 0, 0, 0, 0)
	m = hmac.New(md5.New, v2)
	m.Write(serverChallenge)
	m.Write(blob)
	return append(m.Sum(nil), blob...)
}

func ntlmAuthenticate(user, domain string, nt []byte) []byte {
	const hdr = 64
	lm := make([]byte, 24)
	dom, usr, ws := utf16le(domain), utf16le(user), utf16le("BIANQUE")
	payload := [][]byte{lm, nt, dom, usr, ws, {}}
	b := make([]byte, hdr)
	copy(b, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(b[8:], 3)
	off := hdr
	for i, p := range payload {
		binary.LittleEndian.PutUint16(b[12+8*i:], uint16(len(p)))
		binary.LittleEndian.PutUint16(b[14+8*i:], uint16(len(p)))
		binary.LittleEndian.PutUint32(b[16+8*i:], uint32(off))
		off += len(p)
	}
	binary.LittleEndian.PutUint32(b[60:], ntlmFlags)
	for _, p := range payload {
		b = append(b, p...)
	}
	return b
}

func (smbProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	if _, err := c.Write(scan.SMB2NegotiateRequest()); err != nil {
		return Result{}, err
	}
	if _, err := readSMB(c); err != nil {
		return Result{}, err
	}
	neg := make([]byte, 32)
	copy(neg, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(neg[8:], 1)
	binary.LittleEndian.PutUint32(neg[12:], ntlmFlags)
	if _, err := c.Write(sessionSetup(1, 0, neg)); err != nil {
		return Result{}, err
	}
	resp, err := readSMB(c)
	if err != nil {
		return Result{}, err
	}
	if st := binary.LittleEndian.Uint32(resp[8:]); st != statusMoreProcessing {
		return Result{}, fmt.Errorf("smb session setup: status 0x%08x, want MORE_PROCESSING_REQUIRED", st)
	}
	sessionID := binary.LittleEndian.Uint64(resp[40:])
	if len(resp) < 64+8 {
		return Result{}, fmt.Errorf("short session setup response")
	}
	secOff, secLen := int(binary.LittleEndian.Uint16(resp[64+4:])), int(binary.LittleEndian.Uint16(resp[64+6:]))
	if secOff+secLen > len(resp) || secLen < 48 {
		return Result{}, fmt.Errorf("session setup response without an NTLM challenge")
	}
	ch := resp[secOff : secOff+secLen]
	if i := bytes.Index(ch, []byte("NTLMSSP\x00\x02\x00\x00\x00")); i >= 0 {
		ch = ch[i:]
	} else {
		return Result{}, fmt.Errorf("no NTLMSSP CHALLENGE in the session setup response")
	}
	serverChallenge := ch[24:32]
	tiLen, tiOff := int(binary.LittleEndian.Uint16(ch[40:])), int(binary.LittleEndian.Uint32(ch[44:]))
	var targetInfo []byte
	if tiOff+tiLen <= len(ch) {
		targetInfo = ch[tiOff : tiOff+tiLen]
	}
	nonce := make([]byte, 8)
	rand.Read(nonce)
	ts := uint64(time.Now().UnixNano()/100) + 116444736000000000 // FILETIME
	domain := ""
	if i := strings.IndexAny(cr.User, `\/`); i >= 0 {
		domain, cr.User = cr.User[:i], cr.User[i+1:]
	}
	nt := NTLMv2Response(cr.User, domain, cr.Pass, serverChallenge, targetInfo, ts, nonce)
	if _, err := c.Write(sessionSetup(2, sessionID, ntlmAuthenticate(cr.User, domain, nt))); err != nil {
		return Result{}, err
	}
	resp, err = readSMB(c)
	if err != nil {
		return Result{}, err
	}
	switch st := binary.LittleEndian.Uint32(resp[8:]); st {
	case statusSuccess:
		if len(resp) >= 64+4 && binary.LittleEndian.Uint16(resp[64+2:])&0x0003 != 0 {
			return Result{Outcome: Failed}, nil // guest or anonymous session: the password proved nothing
		}
		return Result{Outcome: Success, Proof: "SMB2 SESSION_SETUP STATUS_SUCCESS (NTLMv2, not guest)"}, nil
	case statusAccountLocked:
		return Result{Outcome: Locked}, nil
	case statusPasswordExpired, statusPasswordMustChg:
		return Result{Outcome: Success, Proof: fmt.Sprintf("password accepted but expired (status 0x%08x)", st)}, nil
	case statusLogonFailure, statusAccountDisabled, statusAccountRestrict:
		return Result{Outcome: Failed}, nil
	default:
		return Result{Outcome: Failed}, nil
	}
}
