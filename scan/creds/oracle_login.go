package creds

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"bianque/scan"
)

// oracleProto checks Oracle passwords on one database the listener knows
// (a SID or a service name): TNS CONNECT/ACCEPT, the TTC protocol and data
// type negotiation, then O5LOGON's two AUTH calls. A login counts when the
// server's AUTH_SVR_RESPONSE decrypts with the session key both sides
// derived: the server proved it holds a verifier of our password.
type oracleProto struct {
	kind, name string // "SID" or "SERVICE_NAME", and the name
	port       int
	// dial opens a connection for a listener's REDIRECT (the scan guard's
	// Dial, so a redirect outside the scope is refused like any dial).
	dial func(ctx context.Context, addr string) (net.Conn, error)
}

func (oracleProto) Service() string { return "oracle" }

func (o oracleProto) descriptor(host string, port int) string {
	return "(DESCRIPTION=(CONNECT_DATA=(" + o.kind + "=" + o.name + ")(CID=(PROGRAM=bianque)(HOST=bianque)(USER=bianque)))" +
		"(ADDRESS=(PROTOCOL=TCP)(HOST=" + host + ")(PORT=" + strconv.Itoa(port) + ")))"
}

// tnsRefused is a listener's REFUSE of the login connection.
type tnsRefused struct {
	code int
	text string
}

func (e *tnsRefused) Error() string {
	return fmt.Sprintf("listener refused the connection (ERR=%d): %s", e.code, firstLine(e.text))
}

// connect sends the CONNECT (again on RESEND) and returns the ACCEPT, or
// the data of a REDIRECT.
func (s *tnsSession) connect(desc string) (TNSAccept, string, error) {
	pkt, extra := oracleConnectPacket(desc)
	send := func() error {
		if _, err := s.c.Write(pkt); err != nil {
			return fmt.Errorf("tns connect: %w", err)
		}
		if extra != nil {
			return s.writePacket(tnsPacketData, append([]byte{0, 0}, extra...))
		}
		return nil
	}
	if err := send(); err != nil {
		return TNSAccept{}, "", err
	}
	for range 3 {
		typ, _, body, err := s.readPacket()
		if err != nil {
			return TNSAccept{}, "", err
		}
		p := make([]byte, 8, 8+len(body))
		binary.BigEndian.PutUint16(p, uint16(min(8+len(body), 0xffff)))
		p[4] = typ
		p = append(p, body...)
		switch typ {
		case scan.TNSAccept:
			a, err := ParseTNSAccept(p)
			return a, "", err
		case scan.TNSResend:
			if err := send(); err != nil {
				return TNSAccept{}, "", err
			}
		case scan.TNSRefuse:
			pk, _, _ := scan.ParseTNS(p)
			return TNSAccept{}, "", &tnsRefused{code: scan.TNSError(pk.Data), text: pk.Data}
		case scan.TNSRedirect:
			pk, _, _ := scan.ParseTNS(p)
			data := pk.Data
			if len(body) >= 2 && int(binary.BigEndian.Uint16(body)) > len(data) {
				// The redirect data follows in a DATA packet.
				typ, _, b, err := s.readPacket()
				if err != nil {
					return TNSAccept{}, "", err
				}
				if typ != tnsPacketData || len(b) < 2 {
					return TNSAccept{}, "", fmt.Errorf("tns redirect without its data")
				}
				data = string(b[2:])
			}
			return TNSAccept{}, data, nil
		default:
			return TNSAccept{}, "", fmt.Errorf("tns connect answered with packet type %d", typ)
		}
	}
	return TNSAccept{}, "", fmt.Errorf("tns listener asked to resend three times")
}

func (o oracleProto) Login(ctx context.Context, conn net.Conn, host string, cr Cred) (Result, error) {
	if cr.User == "" || cr.Pass == "" {
		return Result{Outcome: Failed}, nil // Oracle has no empty passwords (ORA-01005)
	}
	desc := o.descriptor(host, o.port)
	s := &tnsSession{c: conn, sdu: tnsSDU}
	var acc TNSAccept
	for hop := 0; ; hop++ {
		a, redirect, err := s.connect(desc)
		var refused *tnsRefused
		if errors.As(err, &refused) {
			return Result{Outcome: Skip, Proof: refused.Error()}, nil
		}
		if err != nil {
			return Result{}, err
		}
		if redirect == "" {
			acc = a
			break
		}
		if hop > 0 || o.dial == nil {
			return Result{Outcome: Skip, Proof: "listener redirects more than once"}, nil
		}
		h, p, d, err := ParseTNSRedirect(redirect)
		if err != nil {
			return Result{}, err
		}
		if _, err := netip.ParseAddr(h); err != nil {
			// A name could resolve anywhere; the scanner dials addresses only.
			return Result{Outcome: Skip, Proof: "listener redirects to host name " + h}, nil
		}
		nc, err := o.dial(ctx, net.JoinHostPort(h, strconv.Itoa(p)))
		if err != nil {
			return Result{}, fmt.Errorf("follow tns redirect: %w", err)
		}
		defer nc.Close()
		if dl, ok := ctx.Deadline(); ok {
			_ = nc.SetDeadline(dl)
		}
		stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
		defer stop()
		s = &tnsSession{c: nc, sdu: tnsSDU}
		if d != "" {
			desc = d
		}
	}
	if acc.Flags0&nsiNARequired != 0 {
		// The server insists on native network encryption, which this client
		// does not speak.
		return Result{Outcome: Skip, Proof: "server requires native network encryption"}, nil
	}
	s.sdu, s.large = acc.SDU, acc.Version >= tnsVersionLarge

	// TTC protocol negotiation.
	if err := s.writeData(oracleProtocolRequest()); err != nil {
		return Result{}, err
	}
	var info *OracleProtocolInfo
	err := s.readResponse(func(d []byte) error {
		var err error
		info, err = ParseOracleProtocol(d)
		return err
	})
	if err != nil {
		return oracleOutcome(err, "protocol negotiation")
	}
	caps := oracleCompileCaps(info.CompileCaps)
	if err := s.writeData(oracleDataTypesRequest(caps)); err != nil {
		return Result{}, err
	}
	if err := s.readResponse(func(d []byte) error { _, err := ParseOracleDataTypes(d, caps[27] != 0); return err }); err != nil {
		return oracleOutcome(err, "data type negotiation")
	}
	nc := negotiatedCaps(info.CompileCaps)

	// AUTH phase one: who we are; the server answers with the session key
	// and the verifier's salt and type.
	me := "bianque"
	one := oracleAuthRequest(ttcFuncAuthPhaseOne, 1, cr.User, authModeLogon, [][3]string{
		{"AUTH_TERMINAL", me, ""}, {"AUTH_PROGRAM_NM", "bianque-scanner", ""}, {"AUTH_MACHINE", me, ""},
		{"AUTH_PID", strconv.Itoa(os.Getpid()), ""}, {"AUTH_SID", me, ""},
	})
	if err := s.writeData(one); err != nil {
		return Result{}, err
	}
	var r1 *OracleResponse
	err = s.readResponse(func(d []byte) error {
		var err error
		r1, err = ParseOracleResponse(d, nc)
		return err
	})
	if r1 != nil && r1.Code != 0 {
		return oracleOutcome(&OracleError{Code: r1.Code, Message: r1.Message}, "auth phase one")
	}
	if err != nil {
		return Result{}, fmt.Errorf("auth phase one: %w", err)
	}
	typ := r1.VerifierType
	if !r1.HasVerifier && len(r1.Params["AUTH_SESSKEY"]) == 64 {
		typ = OracleVerifier10g // servers before 11g send no AUTH_VFR_DATA
	}
	noPad := len(info.CompileCaps) > 4 && info.CompileCaps[4]&0x02 != 0
	o5, err := newO5Logon(r1.Params, typ, cr.User, cr.Pass, noPad)
	if err != nil {
		return Result{Outcome: Skip, Proof: err.Error()}, nil
	}

	// AUTH phase two: our half of the session key and the password, both
	// encrypted.
	pairs := [][3]string{{"AUTH_SESSKEY", o5.clientK, "1"}}
	if o5.speedyK != "" {
		pairs = append(pairs, [3]string{"AUTH_PBKDF2_SPEEDY_KEY", o5.speedyK, ""})
	}
	pairs = append(pairs, [][3]string{
		{"AUTH_PASSWORD", o5.pass, ""}, {"SESSION_CLIENT_CHARSET", "873", ""},
		{"SESSION_CLIENT_DRIVER_NAME", "bianque", ""}, {"SESSION_CLIENT_VERSION", "0", ""},
		{"AUTH_ALTER_SESSION", "ALTER SESSION SET TIME_ZONE='+00:00'\x00", "1"},
	}...)
	if err := s.writeData(oracleAuthRequest(ttcFuncAuthPhaseTwo, 2, cr.User, authModeLogon|authModeWithPass, pairs)); err != nil {
		return Result{}, err
	}
	var r2 *OracleResponse
	verified := false
	err = s.readResponse(func(d []byte) error {
		var err error
		r2, err = ParseOracleResponse(d, nc)
		if v, ok := r2.Params["AUTH_SVR_RESPONSE"]; ok && oracleServerResponseOK(o5.combo, v) {
			verified = true
			return nil // proof enough; what follows does not matter
		}
		return err
	})
	where := o.kind + "=" + o.name
	if verified {
		s.logoff()
		return Result{Outcome: Success, Proof: fmt.Sprintf("O5LOGON with the %s verifier on %s: AUTH_SVR_RESPONSE decrypts to SERVER_TO_CLIENT with the shared session key",
			oracleVerifierName(typ), where)}, nil
	}
	if r2 != nil && r2.Code != 0 {
		res, err := oracleOutcome(&OracleError{Code: r2.Code, Message: r2.Message}, "auth phase two")
		if res.Outcome == Success {
			res.Proof += " on " + where
		}
		return res, err
	}
	if err != nil {
		return Result{}, fmt.Errorf("auth phase two: %w", err)
	}
	if _, ok := r2.Params["AUTH_SVR_RESPONSE"]; ok {
		return Result{}, fmt.Errorf("auth phase two: AUTH_SVR_RESPONSE does not decrypt with our session key")
	}
	s.logoff()
	return Result{Outcome: Success, Proof: fmt.Sprintf("O5LOGON with the %s verifier on %s: phase two ended without error (the server sent no AUTH_SVR_RESPONSE)",
		oracleVerifierName(typ), where)}, nil
}

// logoff ends a session we opened (function 9), so the server records a
// normal logoff rather than a lost connection.
func (s *tnsSession) logoff() {
	if s.writeData([]byte{ttcFunction, ttcFuncLogoff, 3}) != nil {
		return
	}
	_ = s.c.SetReadDeadline(time.Now().Add(time.Second))
	_, _, _, _ = s.readPacket()
}

func oracleVerifierName(typ int) string {
	switch typ {
	case OracleVerifier10g:
		return "10g (DES, 0x939)"
	case OracleVerifier11g, OracleVerifier11gOld:
		return fmt.Sprintf("11g (SHA-1, 0x%X)", typ)
	case OracleVerifier12c:
		return "12c (PBKDF2/SHA-512, 0x4815)"
	}
	return fmt.Sprintf("0x%X", typ)
}

// oracleOutcome maps an ORA- error to the login's outcome.
func oracleOutcome(err error, phase string) (Result, error) {
	var oe *OracleError
	if !errors.As(err, &oe) {
		return Result{}, fmt.Errorf("%s: %w", phase, err)
	}
	switch oe.Code {
	case 1017, 1005, 28009:
		// invalid username/password; null password; SYS without SYSDBA
		return Result{Outcome: Failed}, nil
	case 28000:
		return Result{Outcome: Locked, Proof: oe.Error()}, nil
	case 28001, 28002, 1045:
		// password expired, about to expire, no CREATE SESSION: raised
		// after the password was verified
		return Result{Outcome: Success, Proof: fmt.Sprintf("ORA-%05d after the password was verified (%s)", oe.Code, firstLine(oe.Error()))}, nil
	case 18, 20, 12516, 12519, 12520, 12526, 12528:
		// session or process limits, listener blocking: throttled, stop
		return Result{Outcome: Locked, Proof: oe.Error()}, nil
	case 28040, 12650, 12660, 1033, 1034, 1035, 1089:
		// no common logon protocol, encryption required, database down or
		// restricted: cannot be tested now
		return Result{Outcome: Skip, Proof: oe.Error()}, nil
	}
	return Result{}, fmt.Errorf("%s: %w", phase, oe)
}
