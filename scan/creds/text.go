package creds

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
)

func init() {
	register(ftpProto{})
	register(smtpProto{})
	register(redisProto{})
	register(telnetProto{})
	register(tomcatProto{Path: "/manager/html"})
}

// ftpProto: RFC 959 USER/PASS; 230 is a login, 530 a refusal, 421 a
// throttled or closing server.
type ftpProto struct{}

func (ftpProto) Service() string { return "ftp" }

func (ftpProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	lr := newLineReader(c)
	code, _, err := lr.reply()
	if err != nil {
		return Result{}, err
	}
	if code == 421 {
		return Result{Outcome: Locked}, nil
	}
	if code != 220 {
		return Result{}, fmt.Errorf("ftp greeting %d", code)
	}
	fmt.Fprintf(c, "USER %s\r\n", cr.User)
	code, text, err := lr.reply()
	if err != nil {
		return Result{}, err
	}
	switch code {
	case 230:
		return Result{Outcome: Success, Proof: "230 after USER without a password: " + strings.TrimSpace(text)}, nil
	case 331, 332:
	case 421:
		return Result{Outcome: Locked}, nil
	default:
		return Result{Outcome: Failed}, nil
	}
	fmt.Fprintf(c, "PASS %s\r\n", cr.Pass)
	code, text, err = lr.reply()
	if err != nil {
		return Result{}, err
	}
	switch code {
	case 230:
		fmt.Fprintf(c, "QUIT\r\n")
		return Result{Outcome: Success, Proof: strings.TrimSpace(text)}, nil
	case 421:
		return Result{Outcome: Locked}, nil
	}
	return Result{Outcome: Failed}, nil
}

// smtpProto: RFC 4954 AUTH PLAIN/LOGIN after EHLO (and STARTTLS when the
// server offers AUTH only inside TLS); 235 is a login, 535 a refusal, 454/421
// throttling.
type smtpProto struct{}

func (smtpProto) Service() string { return "smtp" }

func (smtpProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	conn := c
	lr := newLineReader(conn)
	code, _, err := lr.reply()
	if err != nil {
		return Result{}, err
	}
	if code != 220 {
		return Result{Outcome: Locked}, nil
	}
	ehlo := func() (string, error) {
		fmt.Fprintf(conn, "EHLO bianque-scanner\r\n")
		code, text, err := lr.reply()
		if err != nil {
			return "", err
		}
		if code != 250 {
			return "", fmt.Errorf("EHLO refused: %d", code)
		}
		return strings.ToUpper(text), nil
	}
	caps, err := ehlo()
	if err != nil {
		return Result{}, err
	}
	if !strings.Contains(caps, "AUTH") && strings.Contains(caps, "STARTTLS") {
		fmt.Fprintf(conn, "STARTTLS\r\n")
		if code, _, err := lr.reply(); err != nil || code != 220 {
			return Result{Outcome: Skip}, err
		}
		tc := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true}) // a scanner checks passwords, not certificates
		if err := tc.HandshakeContext(ctx); err != nil {
			return Result{}, fmt.Errorf("smtp starttls: %w", err)
		}
		conn, lr = tc, newLineReader(tc)
		if caps, err = ehlo(); err != nil {
			return Result{}, err
		}
	}
	authLine := ""
	for _, l := range strings.Split(caps, "\n") {
		if i := strings.Index(l, "AUTH"); i >= 0 {
			authLine = l[i:]
		}
	}
	var step func() (int, string, error)
	switch {
	case strings.Contains(authLine, "PLAIN"):
		tok := base64.StdEncoding.EncodeToString([]byte("\x00" + cr.User + "\x00" + cr.Pass))
		step = func() (int, string, error) {
			fmt.Fprintf(conn, "AUTH PLAIN %s\r\n", tok)
			return lr.reply()
		}
	case strings.Contains(authLine, "LOGIN"):
		step = func() (int, string, error) {
			fmt.Fprintf(conn, "AUTH LOGIN\r\n")
			if code, text, err := lr.reply(); err != nil || code != 334 {
				return code, text, err
			}
			fmt.Fprintf(conn, "%s\r\n", base64.StdEncoding.EncodeToString([]byte(cr.User)))
			if code, text, err := lr.reply(); err != nil || code != 334 {
				return code, text, err
			}
			fmt.Fprintf(conn, "%s\r\n", base64.StdEncoding.EncodeToString([]byte(cr.Pass)))
			return lr.reply()
		}
	default:
		return Result{Outcome: Skip}, nil // no AUTH offered: nothing to guess
	}
	code, text, err := step()
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(conn, "QUIT\r\n")
	switch {
	case code == 235:
		return Result{Outcome: Success, Proof: strings.TrimSpace(text)}, nil
	case code == 421 || code == 454 && strings.Contains(strings.ToLower(text), "too many"):
		return Result{Outcome: Locked}, nil
	}
	return Result{Outcome: Failed}, nil
}

// redisProto: AUTH password (or AUTH user password with ACL users); +OK is a
// login; "no password is set" means the server needs none.
type redisProto struct{}

func (redisProto) Service() string { return "redis" }

func respString(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

func (redisProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	var cmd string
	if cr.User == "" || cr.User == "default" {
		cmd = "*2\r\n" + respString("AUTH") + respString(cr.Pass)
	} else {
		cmd = "*3\r\n" + respString("AUTH") + respString(cr.User) + respString(cr.Pass)
	}
	if _, err := c.Write([]byte(cmd + "*1\r\n" + respString("PING"))); err != nil {
		return Result{}, err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return Result{}, fmt.Errorf("redis AUTH reply: %w", err)
	}
	line = strings.TrimSpace(line)
	switch {
	case line == "+OK":
		pong, _ := r.ReadString('\n')
		return Result{Outcome: Success, Proof: "AUTH +OK, PING " + strings.TrimSpace(pong)}, nil
	case strings.Contains(line, "no password is set") || strings.Contains(line, "without any password configured"):
		return Result{Outcome: NoAuth, Proof: "Redis answered AUTH with: " + line}, nil
	case strings.HasPrefix(line, "-WRONGPASS"), strings.HasPrefix(line, "-ERR invalid password"), strings.HasPrefix(line, "-ERR invalid username"):
		return Result{Outcome: Failed}, nil
	case strings.HasPrefix(line, "-ERR max number of clients"):
		return Result{Outcome: Locked}, nil
	}
	return Result{Outcome: Failed}, nil
}

// telnetProto logs in through the login prompt and proves the login by
// having the shell evaluate an arithmetic expansion: the reply must contain
// the computed value, which neither a banner nor an echo of our input does.
type telnetProto struct{}

func (telnetProto) Service() string { return "telnet" }

const (
	iac  = 255
	dont = 254
	do   = 253
	wont = 252
	will = 251
	sb   = 250
	se   = 240
)

var (
	loginPromptRE = regexp.MustCompile(`(?i)(login|username|user name|user)\s*:\s*$`)
	passPromptRE  = regexp.MustCompile(`(?i)password\s*:\s*$`)
	loginFailRE   = regexp.MustCompile(`(?i)(incorrect|invalid|failed|denied|bad password|authentication failure)`)
	lockedRE      = regexp.MustCompile(`(?i)(locked|too many|maximum number of)`)
)

// telnetSession strips Telnet negotiation, refusing every option.
type telnetSession struct {
	c   net.Conn
	buf []byte
}

func (t *telnetSession) readUntil(re *regexp.Regexp, wait time.Duration) (string, bool) {
	deadline := time.Now().Add(wait)
	tmp := make([]byte, 1024)
	for time.Now().Before(deadline) {
		_ = t.c.SetReadDeadline(deadline)
		n, err := t.c.Read(tmp)
		t.consume(tmp[:n])
		text := strings.TrimRight(string(t.buf), "\x00")
		if re != nil && re.MatchString(strings.TrimRight(text, " \t")) {
			return text, true
		}
		if err != nil {
			return text, false
		}
	}
	return string(t.buf), false
}

func (t *telnetSession) consume(b []byte) {
	for i := 0; i < len(b); i++ {
		if b[i] != iac || i+1 >= len(b) {
			t.buf = append(t.buf, b[i])
			continue
		}
		cmd := b[i+1]
		switch {
		case cmd == iac:
			t.buf = append(t.buf, iac)
			i++
		case (cmd == do || cmd == dont || cmd == will || cmd == wont) && i+2 < len(b):
			opt := b[i+2]
			switch cmd {
			case do:
				t.c.Write([]byte{iac, wont, opt})
			case will:
				t.c.Write([]byte{iac, dont, opt})
			}
			i += 2
		case cmd == sb:
			j := bytes.Index(b[i:], []byte{iac, se})
			if j < 0 {
				return
			}
			i += j + 1
		default:
			i++
		}
	}
}

func (telnetProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	t := &telnetSession{c: c}
	text, ok := t.readUntil(loginPromptRE, 4*time.Second)
	if !ok {
		if lockedRE.MatchString(text) {
			return Result{Outcome: Locked}, nil
		}
		return Result{}, fmt.Errorf("telnet: no login prompt (got %q)", tail(text))
	}
	t.buf = nil
	fmt.Fprintf(c, "%s\r\n", cr.User)
	if _, ok := t.readUntil(passPromptRE, 4*time.Second); !ok {
		return Result{Outcome: Failed}, nil
	}
	t.buf = nil
	fmt.Fprintf(c, "%s\r\n", cr.Pass)
	// Wait for the verdict: a failure message, a new login prompt, or quiet.
	text, _ = t.readUntil(regexp.MustCompile(`(?i)(incorrect|invalid|failed|denied|login:\s*$|[$#>%]\s*$)`), 6*time.Second)
	if loginFailRE.MatchString(text) || loginPromptRE.MatchString(strings.TrimSpace(text)) {
		if lockedRE.MatchString(text) {
			return Result{Outcome: Locked}, nil
		}
		return Result{Outcome: Failed}, nil
	}
	t.buf = nil
	fmt.Fprintf(c, "echo BQ$((6*7))OK\r\n")
	text, _ = t.readUntil(regexp.MustCompile(`BQ42OK`), 4*time.Second)
	if strings.Contains(text, "BQ42OK") {
		fmt.Fprintf(c, "exit\r\n")
		return Result{Outcome: Success, Proof: "shell evaluated $((6*7)) to 42 after the login"}, nil
	}
	return Result{Outcome: Failed}, nil
}

func tail(s string) string {
	if len(s) > 80 {
		return s[len(s)-80:]
	}
	return s
}

// tomcatProto: HTTP basic authentication on the Tomcat manager. 200 (or 403:
// valid account without the manager role) is a login; 401 a refusal. A
// manager that answers 200 without credentials is open access.
type tomcatProto struct{ Path string }

func (tomcatProto) Service() string { return "tomcat" }

func (p tomcatProto) Login(ctx context.Context, c net.Conn, host string, cr Cred) (Result, error) {
	used := false
	tr := &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			if used {
				return nil, fmt.Errorf("one request per connection")
			}
			used = true
			return c, nil
		},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.RemoteAddr().String()+p.Path, nil)
	if err != nil {
		return Result{}, err
	}
	req.SetBasicAuth(cr.User, cr.Pass)
	req.Header.Set("User-Agent", "bianque-scanner")
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("tomcat manager: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return Result{Outcome: Success, Proof: "GET " + p.Path + " with basic auth: 200 OK"}, nil
	case http.StatusForbidden:
		return Result{Outcome: Success, Proof: "GET " + p.Path + " with basic auth: 403 (valid account without the manager role)"}, nil
	case http.StatusUnauthorized:
		if !strings.HasPrefix(strings.ToLower(resp.Header.Get("WWW-Authenticate")), "basic") {
			return Result{Outcome: Skip}, nil
		}
		return Result{Outcome: Failed}, nil
	case http.StatusNotFound:
		return Result{Outcome: Skip}, nil // no manager here
	case http.StatusTooManyRequests:
		return Result{Outcome: Locked}, nil
	}
	return Result{Outcome: Failed}, nil
}
