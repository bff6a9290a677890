package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/scan"
	"bianque/scan/creds"
)

func init() {
	register(&command{
		Name:    "scan",
		Summary: "scoped active scan: ports, services, weak credentials",
		Usage: `Usage: bianque scan --targets CIDR|host[,…] [--ports …] [--creds] [--rate N]

Scans only inside the authorised scope (--scope; loopback when not given):
a target outside it refuses the whole scan before any packet is sent.
Assets listed in --assets that are medical devices are skipped unless a
person set their scan override. Writes one JSON object per line to stdout:
{"kind":"host",…}, {"kind":"service",…} and {"kind":"finding",…}; progress
goes to stderr as JSON lines. Ctrl-C cancels and prints what was found.`,
		Run: runScan,
	})
}

func runScan(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["scan"]
	fs := newFlagSet(env, c)
	targets := fs.String("targets", "", "", "addresses or CIDRs to scan, comma-separated")
	portSpec := fs.String("ports", "BIANQUE_SCAN_PORTS", "top", "ports: 22,80,1-1024, all (1-65535) or top")
	scopeSpec := fs.String("scope", "BIANQUE_SCAN_SCOPE", "127.0.0.0/8,::1", "authorised CIDRs/addresses (the tenant's scan authorisation)")
	exclude := fs.String("exclude", "BIANQUE_SCAN_EXCLUDE", "", "CIDRs/addresses never to touch")
	assetsFile := fs.String("assets", "BIANQUE_SCAN_ASSETS", "", "JSON array of ledger assets (medical devices are skipped unless overridden)")
	rate := fs.Int("rate", "BIANQUE_SCAN_RATE", 0, "connection attempts per second over the whole scan (0 = unlimited)")
	perHost := fs.Int("per-host-rate", "BIANQUE_SCAN_PER_HOST_RATE", 0, "connection attempts per second per host (0 = unlimited)")
	workers := fs.Int("workers", "BIANQUE_SCAN_WORKERS", 1024, "concurrent connection attempts")
	timeout := fs.Duration("timeout", "BIANQUE_SCAN_TIMEOUT", 1500*time.Millisecond, "connect timeout")
	bannerWait := fs.Duration("banner-wait", "BIANQUE_SCAN_BANNER_WAIT", time.Second, "how long to wait for a banner")
	banners := fs.Bool("banners", "", true, "grab banners and identify services (false: port scan only)")
	doCreds := fs.Bool("creds", "BIANQUE_SCAN_CREDS", false, "check weak credentials on identified services")
	noBrute := fs.Bool("no-brute-force", "BIANQUE_SCAN_NO_BRUTE_FORCE", false, "with --creds: only unauthenticated access and the first vendor defaults")
	dictFile := fs.String("dict", "BIANQUE_SCAN_DICT", "", "extra credential list (service<TAB>user<TAB>password lines), tried after the built-in ones")
	credDelay := fs.Duration("cred-delay", "BIANQUE_SCAN_CRED_DELAY", 500*time.Millisecond, "pause between login attempts on one service (lockout-aware pacing)")
	maxPerAccount := fs.Int("max-per-account", "BIANQUE_SCAN_MAX_PER_ACCOUNT", 5, "passwords tried per account per scan (stay below lockout thresholds)")
	progress := fs.Bool("progress", "", true, "JSON progress lines on stderr")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *targets == "" {
		fmt.Fprintln(env.Stderr, "bianque scan: --targets is required")
		return errUsage
	}
	addrs, err := scan.ExpandTargets(*targets)
	if err != nil {
		return err
	}
	ports, err := scan.ParsePorts(*portSpec)
	if err != nil {
		return bianque.Errorf(bianque.EINVALID, "%v", err)
	}
	sc := &bianque.ScanScope{Include: splitList(*scopeSpec), Exclude: splitList(*exclude)}
	if err := sc.Validate(); err != nil {
		return err
	}
	var assets []*bianque.Asset
	if *assetsFile != "" {
		b, err := os.ReadFile(*assetsFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &assets); err != nil {
			return bianque.Errorf(bianque.EINVALID, "%s: %v", *assetsFile, err)
		}
	}
	var outMu sync.Mutex
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	errEnc := json.NewEncoder(env.Stderr)
	g := &scan.Guard{Scope: sc, Assets: assets, Rate: float64(*rate), PerHost: float64(*perHost), DialTimeout: *timeout,
		OnOverride: func(a *bianque.Asset, ip netip.Addr) {
			by := ""
			if a.Medical != nil {
				by = a.Medical.ScanOverrideBy
			}
			outMu.Lock()
			defer outMu.Unlock()
			errEnc.Encode(map[string]any{"audit": "scan.medical_override", "asset_id": a.ID, "asset": a.Name, "ip": ip.String(), "override_by": by})
		}}
	s := &scan.Scanner{Guard: g, Ports: ports, Workers: *workers, BannerWait: *bannerWait, ProgressInterval: time.Second}
	if *progress {
		s.Progress = func(p scan.Progress) {
			outMu.Lock()
			defer outMu.Unlock()
			errEnc.Encode(p)
		}
	}
	if *doCreds {
		d := creds.BuiltIn()
		if *dictFile != "" {
			b, err := os.ReadFile(*dictFile)
			if err != nil {
				return err
			}
			extra, err := creds.ParseDictionary(string(b), "tenant")
			if err != nil {
				return bianque.Errorf(bianque.EINVALID, "%v", err)
			}
			d = d.Merge(extra)
		}
		ck := &creds.Checker{Dict: d, NoBruteForce: *noBrute, Delay: *credDelay, MaxPerAccount: *maxPerAccount}
		s.Creds = ck.Check
	}
	var res *scan.Result
	if *banners {
		res, err = s.Run(ctx, addrs)
	} else {
		res, err = portsOnly(ctx, s, addrs)
	}
	if res == nil {
		return err
	}
	outMu.Lock()
	defer outMu.Unlock()
	for _, h := range res.Hosts {
		enc.Encode(map[string]any{"kind": "host", "host": h.Addr, "alive": h.Alive, "os": h.OS, "open_ports": len(h.Services), "skipped": h.Skipped})
		for _, sv := range h.Services {
			enc.Encode(struct {
				Kind string `json:"kind"`
				Host string `json:"host"`
				scan.Service
			}{"service", h.Addr, sv})
		}
	}
	for _, f := range res.Findings {
		enc.Encode(struct {
			Kind string `json:"kind"`
			findingOut
		}{"finding", toOut(f, "", "")})
	}
	fmt.Fprintf(env.Stderr, "scanned %d hosts, %d ports each, %d connection attempts in %s; %d findings\n",
		len(addrs), len(ports), res.Dials, res.Finished.Sub(res.Started).Round(time.Millisecond), len(res.Findings))
	return err
}

// portsOnly runs the guarded port scan without banners (benchmark mode).
func portsOnly(ctx context.Context, s *scan.Scanner, addrs []netip.Addr) (*scan.Result, error) {
	res := &scan.Result{Started: time.Now()}
	for _, ip := range addrs {
		if err := s.Guard.Check(ip); err != nil {
			return nil, bianque.Errorf(bianque.EFORBIDDEN, "refusing to scan: %v", err)
		}
	}
	pr, err := scan.ScanPorts(ctx, s.Guard, addrs, s.Ports, s.Workers, s.Progress, s.ProgressInterval)
	for _, r := range pr {
		h := &scan.Host{Addr: r.Addr.String(), Alive: r.Alive}
		for _, p := range r.Open {
			h.Services = append(h.Services, scan.Service{Port: p, Protocol: "tcp"})
		}
		res.Hosts = append(res.Hosts, h)
	}
	res.Finished = time.Now()
	res.Dials = s.Guard.Dials.Load()
	return res, err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
