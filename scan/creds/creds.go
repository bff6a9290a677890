// Package creds checks services for weak and default credentials (R7.1) with
// real protocol clients: SSH, FTP, Telnet, MySQL/MariaDB, PostgreSQL, Redis
// (incl. no-auth), Memcached (no-auth), VNC, SMTP AUTH, HTTP basic (Tomcat
// manager), SMB, MSSQL (TDS LOGIN7), MongoDB (SCRAM, incl. no-auth), and
// Oracle (the TNS listener's version and default SIDs, then O5LOGON).
//
// A login counts only with proof that the server accepted it: an explicit
// success reply of the protocol (230, 235, +OK, AuthenticationOk, an SSH
// session, VNC SecurityResult OK), and for Telnet a shell that evaluated an
// arithmetic expression we sent (a banner with "#" or "$" in it is not a
// login). Attempts go through the scan Guard (scope, medical devices, rate
// limits) and are paced per service: a delay between attempts, at most a few
// passwords per account per scan (below common lockout thresholds), and a
// stop on any sign of lockout or throttling. NoBruteForce limits the checks to
// unauthenticated access and a handful of vendor defaults.
package creds

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/scan"
)

// Cred is one account to try. An empty User is the protocol's anonymous or
// password-only login (VNC, Redis without ACL users).
type Cred struct {
	User, Pass string
	Source     string // where the entry comes from (defaults, hospital, tenant, CVE)
}

// Outcome of one login attempt.
type Outcome int

// Outcomes.
const (
	Failed  Outcome = iota // the server refused the credential
	Success                // the server accepted it (Proof says how we know)
	NoAuth                 // the server let us in without asking for a credential
	Locked                 // the account or client is locked or throttled: stop
	Skip                   // the protocol cannot be tested here (e.g. needs TLS we do not speak)
)

// Result is the outcome of one attempt.
type Result struct {
	Outcome Outcome
	Proof   string
}

// Protocol is one login client.
type Protocol interface {
	// Service is the scan.Identity.Service name the protocol handles.
	Service() string
	// Login tries c on conn, a fresh connection the runner dialled.
	Login(ctx context.Context, conn net.Conn, host string, c Cred) (Result, error)
}

var protocols = map[string]Protocol{}

func register(p Protocol) { protocols[p.Service()] = p }

// ProtocolFor returns the client for a service name.
func ProtocolFor(service string) (Protocol, bool) {
	p, ok := protocols[service]
	return p, ok
}

//go:embed dict/defaults.txt
var defaultsTxt string

//go:embed dict/hospital.txt
var hospitalTxt string

// Dictionary holds credentials per service ("*" for every service).
type Dictionary struct {
	entries map[string][]Cred
}

// ParseDictionary reads "service<TAB>user<TAB>password[<TAB># source]" lines;
// "#" starts a comment line, "<empty>" is an empty password. A line with two
// fields is "user<TAB>password" for every service.
func ParseDictionary(text, source string) (*Dictionary, error) {
	d := &Dictionary{entries: map[string][]Cred{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		f := strings.Split(line, "\t")
		src := source
		if len(f) > 3 && strings.HasPrefix(strings.TrimSpace(f[3]), "#") {
			src = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f[3]), "#"))
			f = f[:3]
		}
		var svc, user, pass string
		switch len(f) {
		case 2:
			svc, user, pass = "*", f[0], f[1]
		case 3:
			svc, user, pass = f[0], f[1], f[2]
		default:
			return nil, fmt.Errorf("%s line %d: want service<TAB>user<TAB>password", source, n)
		}
		if pass == "<empty>" {
			pass = ""
		}
		d.entries[svc] = append(d.entries[svc], Cred{User: user, Pass: pass, Source: src})
	}
	return d, sc.Err()
}

// Merge appends o's entries after d's.
func (d *Dictionary) Merge(o *Dictionary) *Dictionary {
	out := &Dictionary{entries: map[string][]Cred{}}
	for _, x := range []*Dictionary{d, o} {
		if x == nil {
			continue
		}
		for k, v := range x.entries {
			out.entries[k] = append(out.entries[k], v...)
		}
	}
	return out
}

// For returns the credentials for a service, service-specific ones first,
// without duplicates. Services without user names (VNC) get passwords only.
func (d *Dictionary) For(service string) []Cred {
	aliases := map[string]string{"http": "tomcat", "https": "tomcat"}
	var out []Cred
	seen := map[[2]string]bool{}
	for _, key := range []string{service, aliases[service], "*"} {
		if key == "" {
			continue
		}
		for _, c := range d.entries[key] {
			if service == "vnc" {
				c.User = ""
			}
			k := [2]string{c.User, c.Pass}
			if !seen[k] {
				seen[k] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// BuiltIn returns the built-in defaults followed by the hospital dictionary.
func BuiltIn() *Dictionary {
	d, err := ParseDictionary(defaultsTxt, "defaults")
	if err != nil {
		panic("creds: built-in defaults: " + err.Error()) // embedded, covered by tests
	}
	h, err := ParseDictionary(hospitalTxt, "hospital")
	if err != nil {
		panic("creds: built-in hospital dictionary: " + err.Error())
	}
	return d.Merge(h)
}

// Checker runs the weak-credential checks of a scan.
type Checker struct {
	Dict *Dictionary
	// NoBruteForce tries only unauthenticated access and the first
	// NoBruteForceDefaults service defaults.
	NoBruteForce bool
	// Delay separates two attempts on one service (lockout-aware pacing).
	Delay time.Duration
	// MaxPerAccount bounds the passwords tried per account per scan.
	MaxPerAccount int
	// Timeout bounds one login attempt.
	Timeout time.Duration
	// Users, when set, restricts the accounts tried (e.g. a tenant's list).
	Users []string

	mu       sync.Mutex
	attempts int
}

// NoBruteForceDefaults is how many vendor defaults a no-brute-force scan tries.
const NoBruteForceDefaults = 3

// Attempts returns how many login attempts the checker made.
func (c *Checker) Attempts() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attempts
}

// Check is a scan.CredentialCheck.
func (c *Checker) Check(ctx context.Context, g *scan.Guard, ip netip.Addr, svc scan.Service) []*bianque.Finding {
	name := svc.Service
	if name == "http" || name == "https" {
		name = "tomcat"
	}
	if name == "oracle" {
		return c.checkOracle(ctx, g, ip, svc)
	}
	p, ok := protocols[name]
	if !ok || svc.Auth == "none" {
		return nil // no client, or the scanner already reported open access
	}
	return c.CheckService(ctx, g, ip, svc.Port, p, svc)
}

// CheckService tries the dictionary for one service with protocol p.
func (c *Checker) CheckService(ctx context.Context, g *scan.Guard, ip netip.Addr, port int, p Protocol, svc scan.Service) []*bianque.Finding {
	out, _ := c.checkService(ctx, g, ip, port, p, svc, map[string]int{}, map[string]bool{})
	return out
}

// checkService is CheckService with the per-account counts (tried, found)
// kept by the caller, so several runs on one service (Oracle's databases
// behind one listener) share the per-account bound. stop says the service
// must not be tried further (lockout, throttling, scope, errors).
func (c *Checker) checkService(ctx context.Context, g *scan.Guard, ip netip.Addr, port int, p Protocol, svc scan.Service, tried map[string]int, found map[string]bool) ([]*bianque.Finding, bool) {
	dict := c.Dict
	if dict == nil {
		dict = BuiltIn()
	}
	creds := dict.For(p.Service())
	if c.NoBruteForce {
		if len(creds) > NoBruteForceDefaults {
			creds = creds[:NoBruteForceDefaults]
		}
	}
	if len(c.Users) > 0 {
		var keep []Cred
		for _, cr := range creds {
			for _, u := range c.Users {
				if cr.User == u {
					keep = append(keep, cr)
				}
			}
		}
		creds = keep
	}
	maxPer := c.MaxPerAccount
	if maxPer <= 0 {
		maxPer = 5
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	var out []*bianque.Finding
	errorsInRow := 0
	for i, cr := range creds {
		if ctx.Err() != nil || found[cr.User] || tried[cr.User] >= maxPer {
			continue
		}
		if i > 0 && c.Delay > 0 {
			select {
			case <-ctx.Done():
				return out, true
			case <-time.After(c.Delay):
			}
		}
		tried[cr.User]++
		res, err := c.try(ctx, g, addr, ip.String(), p, cr, timeout)
		if err != nil {
			errorsInRow++
			if errorsInRow >= 3 || errors.Is(err, scan.ErrOutOfScope) || errors.Is(err, scan.ErrMedical) {
				return out, true // the service stopped answering: do not hammer it
			}
			continue
		}
		errorsInRow = 0
		switch res.Outcome {
		case Success:
			found[cr.User] = true
			out = append(out, weakFinding(ip, port, p.Service(), svc, cr, res.Proof))
		case NoAuth:
			return append(out, noAuthFinding(ip, port, p.Service(), svc, res.Proof)), true
		case Locked, Skip:
			return out, true
		}
	}
	return out, ctx.Err() != nil
}

func (c *Checker) try(ctx context.Context, g *scan.Guard, addr, host string, p Protocol, cr Cred, timeout time.Duration) (Result, error) {
	c.mu.Lock()
	c.attempts++
	c.mu.Unlock()
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := g.Dial(actx, addr)
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(actx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	return p.Login(actx, conn, host, cr)
}

// mask shows a password's shape without the password: first and last
// character and the length.
func mask(p string) string {
	switch n := len([]rune(p)); {
	case n == 0:
		return "(empty)"
	case n <= 2:
		return strings.Repeat("*", n)
	default:
		r := []rune(p)
		return string(r[0]) + strings.Repeat("*", n-2) + string(r[n-1])
	}
}

func weakFinding(ip netip.Addr, port int, proto string, svc scan.Service, cr Cred, proof string) *bianque.Finding {
	user := cr.User
	if user == "" {
		user = "(password only)"
	}
	sev := bianque.VulnHigh
	if cr.Pass == "" || strings.EqualFold(cr.User, "root") || strings.EqualFold(cr.User, "sa") || strings.EqualFold(cr.User, "administrator") || strings.EqualFold(cr.User, "postgres") {
		sev = bianque.VulnCritical
	}
	if proto == "oracle" && (strings.EqualFold(cr.User, "sys") || strings.EqualFold(cr.User, "system")) {
		sev = bianque.VulnCritical // the database's administrator accounts
	}
	return &bianque.Finding{
		Title:    fmt.Sprintf("Weak credentials on %s: account %s", proto, user),
		Severity: sev, Scanner: "bianque", PluginID: "weak-credential:" + proto,
		Host: ip.String(), Port: port, Protocol: "tcp", Service: proto,
		Component: strings.ToLower(svc.Product), ComponentVersion: svc.Version, CWEs: []int{521, 1392},
		Description: fmt.Sprintf("The %s service accepted the account %s with a password from the %s dictionary.", proto, user, cr.Source),
		Solution:    "Change the password to a strong, unique one (and remove vendor default accounts); restrict the service to the hosts that need it; enable lockout or throttling of failed logins.",
		Evidence:    fmt.Sprintf("login %s / %s accepted: %s", user, mask(cr.Pass), proof),
		Count:       1, CVEs: []string{}, References: []string{},
		Locations: []bianque.Location{{Protocol: "tcp", Host: ip.String(), Port: port}},
	}
}

func noAuthFinding(ip netip.Addr, port int, proto string, svc scan.Service, proof string) *bianque.Finding {
	return &bianque.Finding{
		Title:    fmt.Sprintf("%s accepts logins without authentication", proto),
		Severity: bianque.VulnCritical, Scanner: "bianque", PluginID: "noauth:" + proto,
		Host: ip.String(), Port: port, Protocol: "tcp", Service: proto, Component: strings.ToLower(svc.Product), ComponentVersion: svc.Version,
		CWEs: []int{306}, Description: fmt.Sprintf("The %s service let a client in without asking for any credential.", proto),
		Solution: "Require authentication for every client (disable trust/none authentication); restrict the service to the hosts that need it.",
		Evidence: proof, Count: 1, CVEs: []string{}, References: []string{},
		Locations: []bianque.Location{{Protocol: "tcp", Host: ip.String(), Port: port}},
	}
}

// lineReader reads CRLF-terminated protocol lines.
type lineReader struct {
	r *bufio.Reader
}

func newLineReader(c io.Reader) *lineReader { return &lineReader{bufio.NewReaderSize(c, 4096)} }

// reply reads one (possibly multi-line, "250-…") reply of a three-digit-code
// protocol and returns the code and the text.
func (l *lineReader) reply() (int, string, error) {
	var text strings.Builder
	for {
		line, err := l.r.ReadString('\n')
		if err != nil {
			return 0, text.String(), fmt.Errorf("read reply: %w", err)
		}
		text.WriteString(line)
		if len(line) < 4 {
			continue
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil {
			return 0, text.String(), fmt.Errorf("reply %q has no status code", strings.TrimSpace(line))
		}
		if line[3] != '-' {
			return code, text.String(), nil
		}
	}
}
