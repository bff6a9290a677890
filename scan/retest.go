package scan

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"bianque"
)

// RetestResult says whether a finding is still there after re-probing it.
type RetestResult struct {
	Present  bool   `json:"present"`
	Evidence string `json:"evidence"`
}

// Retest re-probes just one finding (R7.4): the port it names, through the
// guard (scope, medical devices and rate limits apply to retests too).
//   - Findings of this scanner (no-auth services, Telnet, RDP without NLA,
//     high-risk ports) and weak credentials (with check) are present when the
//     same probe reports the same finding again.
//   - Imported findings are gone when the port no longer answers or the
//     service now reports another version of the named component; otherwise
//     they are present (we cannot disprove another scanner's check).
func Retest(ctx context.Context, g *Guard, f *bianque.Finding, check CredentialCheck, bannerWait time.Duration) (RetestResult, error) {
	ip, err := netip.ParseAddr(f.Host)
	if err != nil {
		return RetestResult{}, bianque.Errorf(bianque.EINVALID, "finding host %q is not an address: retest needs one", f.Host)
	}
	if f.Port <= 0 {
		return RetestResult{}, bianque.Errorf(bianque.EINVALID, "finding %q names no port: it cannot be re-probed", f.Title)
	}
	if err := g.Check(ip); err != nil {
		return RetestResult{}, err
	}
	states, err := connectBatch(ctx, g, ip, []int{f.Port}, g.dialTimeout())
	if err != nil {
		return RetestResult{}, err
	}
	if states[0] != PortOpen {
		return RetestResult{Present: false, Evidence: fmt.Sprintf("%s:%d no longer accepts connections", f.Host, f.Port)}, nil
	}
	if bannerWait <= 0 {
		bannerWait = time.Second
	}
	b, err := GrabBanner(ctx, g, ip, f.Port, bannerWait)
	if err != nil {
		return RetestResult{}, err
	}
	id := Identify(b.ProbePort(f.Port), b.Raw)
	if id.Service == "" || id.Info == "unrecognised banner" {
		id.Service = wellKnown[f.Port]
	}
	svc := Service{Port: f.Port, Protocol: "tcp", Identity: id, Banner: b.Text, Probe: b.Probe}
	own := f.Scanner == "bianque"
	switch {
	case own && (strings.HasPrefix(f.PluginID, "weak-credential:") || strings.HasPrefix(f.PluginID, "noauth:") || strings.HasPrefix(f.PluginID, "oracle-")):
		if check == nil {
			return RetestResult{}, bianque.Errorf(bianque.EINVALID, "a credential finding needs the credential check to retest")
		}
		for _, nf := range check(ctx, g, ip, svc) {
			if nf.PluginID == f.PluginID && nf.Title == f.Title {
				return RetestResult{Present: true, Evidence: nf.Evidence}, nil
			}
		}
		return RetestResult{Present: false, Evidence: "the account no longer logs in with a dictionary password"}, nil
	case own:
		for _, nf := range serviceFindings(ip, svc) {
			if nf.PluginID == f.PluginID {
				return RetestResult{Present: true, Evidence: nf.Evidence}, nil
			}
		}
		return RetestResult{Present: false, Evidence: "the service no longer shows it: " + firstLine(svc.Banner)}, nil
	}
	if f.ComponentVersion != "" && id.Version != "" && !strings.EqualFold(id.Version, f.ComponentVersion) &&
		(f.Component == "" || strings.Contains(strings.ToLower(id.Product+" "+id.CPE), strings.ToLower(f.Component))) {
		return RetestResult{Present: false, Evidence: fmt.Sprintf("%s now reports version %s (finding was on %s)", id.Product, id.Version, f.ComponentVersion)}, nil
	}
	return RetestResult{Present: true, Evidence: "port open; " + firstLine(svc.Banner)}, nil
}

// ApplyRetest moves the finding to closed (gone) or back to open (present).
func ApplyRetest(f *bianque.Finding, r RetestResult, now time.Time) error {
	a := bianque.FindingActRetestPass
	if r.Present {
		a = bianque.FindingActRetestFail
	}
	return bianque.ApplyFindingAction(f, a, "retest", r.Evidence, nil, now)
}
