package scan

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianque"
)

// Service is one open port with what the scanner learnt about it.
type Service struct {
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
	Identity
	Banner string `json:"banner,omitempty"`
	Probe  string `json:"probe,omitempty"`
}

// Host is one scanned address.
type Host struct {
	Addr     string    `json:"host"`
	Alive    bool      `json:"alive"`
	OS       string    `json:"os,omitempty"` // OS hint from the banners
	Services []Service `json:"services"`
	// Skipped says why the host was not probed (a medical device).
	Skipped string `json:"skipped,omitempty"`
}

// Result is a finished (or cancelled) scan.
type Result struct {
	Hosts    []*Host            `json:"hosts"`
	Findings []*bianque.Finding `json:"findings"`
	Started  time.Time          `json:"started"`
	Finished time.Time          `json:"finished"`
	Dials    int64              `json:"dials"`
}

// CredentialCheck tests the weak credentials of one identified service and
// returns its findings (scan/creds implements it).
type CredentialCheck func(ctx context.Context, g *Guard, ip netip.Addr, svc Service) []*bianque.Finding

// Scanner runs a scoped scan.
type Scanner struct {
	Guard      *Guard
	Ports      []int
	Workers    int
	BannerWait time.Duration
	// Progress receives progress reports (nil: none); ProgressInterval paces them.
	Progress         func(Progress)
	ProgressInterval time.Duration
	// Creds, when set, runs weak-credential checks on identified services.
	Creds CredentialCheck
	Clock bianque.Clock
}

// Run scans targets. A target outside the authorised scope refuses the whole
// scan before anything is sent; medical devices without an override are
// skipped and listed with the reason.
func (s *Scanner) Run(ctx context.Context, targets []netip.Addr) (*Result, error) {
	g := s.Guard
	if g == nil || g.Scope == nil {
		return nil, bianque.Errorf(bianque.EFORBIDDEN, "no authorised scan scope: refusing to scan")
	}
	clock := s.Clock
	if clock == nil {
		clock = bianque.SystemClock{}
	}
	res := &Result{Started: clock.Now()}
	var allowed []netip.Addr
	var outside []string
	for _, ip := range targets {
		err := g.Check(ip)
		switch {
		case err == nil:
			allowed = append(allowed, ip)
		case errors.Is(err, ErrMedical):
			res.Hosts = append(res.Hosts, &Host{Addr: ip.String(), Skipped: bianque.ErrorMessage(err) + ": " + err.Error()})
		default:
			outside = append(outside, ip.String())
			if len(outside) == 1 && !errors.Is(err, ErrOutOfScope) {
				return nil, err // outside the scan windows: nothing may run now
			}
		}
	}
	if len(outside) > 0 {
		shown := outside
		if len(shown) > 5 {
			shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(outside)-5))
		}
		return nil, bianque.Errorf(bianque.EFORBIDDEN, "refusing to scan: %s outside the authorised scope (%s)", strings.Join(shown, ", "), strings.Join(g.Scope.Include, ", "))
	}
	ports := s.Ports
	if len(ports) == 0 {
		ports = TopPorts
	}
	pr, err := ScanPorts(ctx, g, allowed, ports, s.Workers, s.Progress, s.ProgressInterval)
	if err != nil && ctx.Err() == nil {
		return nil, err
	}
	wait := s.BannerWait
	if wait == 0 {
		wait = time.Second
	}
	type job struct {
		h    *Host
		ip   netip.Addr
		port int
	}
	var jobs []job
	for _, r := range pr {
		h := &Host{Addr: r.Addr.String(), Alive: r.Alive}
		res.Hosts = append(res.Hosts, h)
		for _, p := range r.Open {
			jobs = append(jobs, job{h, r.Addr, p})
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			b, _ := GrabBanner(ctx, g, j.ip, j.port, wait)
			id := Identify(b.ProbePort(j.port), b.Raw)
			if id.Service == "" || id.Info == "unrecognised banner" {
				id.Service = wellKnown[j.port]
			}
			svc := Service{Port: j.port, Protocol: "tcp", Identity: id, Banner: b.Text, Probe: b.Probe}
			fs := serviceFindings(j.ip, svc)
			if s.Creds != nil && ctx.Err() == nil {
				fs = append(fs, s.Creds(ctx, g, j.ip, svc)...)
			}
			mu.Lock()
			j.h.Services = append(j.h.Services, svc)
			res.Findings = append(res.Findings, fs...)
			mu.Unlock()
			if s.Progress != nil {
				s.Progress(Progress{Phase: "services", Done: int64(i + 1), Total: int64(len(jobs))})
			}
		}()
	}
	wg.Wait()
	for _, h := range res.Hosts {
		sort.Slice(h.Services, func(a, b int) bool { return h.Services[a].Port < h.Services[b].Port })
		for _, sv := range h.Services {
			if sv.OS != "" && h.OS == "" {
				h.OS = sv.OS
			}
		}
	}
	sort.SliceStable(res.Findings, func(a, b int) bool {
		fa, fb := res.Findings[a], res.Findings[b]
		if fa.Host != fb.Host {
			return fa.Host < fb.Host
		}
		if fa.Port != fb.Port {
			return fa.Port < fb.Port
		}
		return fa.Title < fb.Title
	})
	for _, f := range res.Findings {
		f.Key = bianque.FindingKey(f)
		f.FirstSeen, f.LastSeen = res.Started, res.Started
	}
	res.Finished = clock.Now()
	res.Dials = g.Dials.Load()
	if ctx.Err() != nil {
		return res, fmt.Errorf("scan cancelled: %w", ctx.Err())
	}
	return res, nil
}

// serviceFindings turns what a service disclosed about itself into findings:
// open access without authentication (Redis, memcached), cleartext remote
// login (Telnet), RDP that negotiated away NLA. Each carries its evidence.
func serviceFindings(ip netip.Addr, svc Service) []*bianque.Finding {
	base := func(title string, sev bianque.VulnSeverity, id, desc, sol string) *bianque.Finding {
		return &bianque.Finding{
			Title: title, Severity: sev, Scanner: "bianque", PluginID: id, Host: ip.String(), Port: svc.Port, Protocol: "tcp",
			Service: svc.Service, Component: strings.ToLower(svc.Product), ComponentVersion: svc.Version,
			Description: desc, Solution: sol, Evidence: firstLine(svc.Banner), Count: 1, CVEs: []string{}, References: []string{},
			Locations: []bianque.Location{{Protocol: "tcp", Host: ip.String(), Port: svc.Port}},
		}
	}
	var out []*bianque.Finding
	switch {
	case svc.Service == "redis" && svc.Auth == "none":
		out = append(out, base("Redis accepts commands without authentication", bianque.VulnCritical, "noauth-redis",
			"The Redis server answered PING and INFO without a password: anyone who reaches the port can read and change all data and, through CONFIG, write files on the host.",
			"Set requirepass (or ACL users), bind Redis to the addresses that need it, and enable protected-mode."))
	case svc.Service == "memcached" && svc.Auth == "none":
		out = append(out, base("Memcached accepts commands without authentication", bianque.VulnHigh, "noauth-memcached",
			"The memcached server answered the version command without authentication: cached data can be read and changed, and the server can be abused for amplification.",
			"Listen on localhost or an internal interface only (-l), disable UDP (-U 0), enable SASL if remote clients need it."))
	case svc.Service == "telnet":
		out = append(out, base("Telnet service (cleartext remote login)", bianque.VulnMedium, "telnet-cleartext",
			"The host offers Telnet: logins and sessions cross the network unencrypted.",
			"Disable Telnet and use SSH."))
	case svc.Service == "rdp" && svc.Auth == "no-nla":
		out = append(out, base("RDP does not require Network Level Authentication", bianque.VulnMedium, "rdp-no-nla",
			"Offered TLS and CredSSP, the RDP server selected a protocol without CredSSP ("+svc.Info+"): the logon screen is reachable before authentication.",
			"Require NLA (Group Policy: Require user authentication for remote connections by using Network Level Authentication)."))
	}
	if name, ok := HighRiskPorts[svc.Port]; ok && len(out) == 0 {
		f := base("High-risk service port open: "+strconv.Itoa(svc.Port)+"/tcp ("+name+")", bianque.VulnInfo, "high-risk-port",
			"A port named high-risk in R7.6 is open; it must not be reachable from the internet.",
			"Restrict the port to the hosts that need it; never expose it to the internet.")
		out = append(out, f)
	}
	return out
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
