package creds

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"bianque"
	"bianque/scan"
)

// Oracle: the listener (TNS) is probed for its version and for the SIDs and
// service names it knows from a list of defaults; the dictionary's Oracle
// accounts are then tried on those databases with O5LOGON (oracle_login.go).

// OracleDefaultSIDs are the SIDs and service names installers and hospital
// systems use most (Oracle XE, the DBCA defaults, pluggable databases, and
// HIS/LIS/PACS names common in Chinese hospitals).
var OracleDefaultSIDs = []string{"XE", "ORCL", "ORCLCDB", "ORCLPDB1", "XEPDB1", "FREE", "FREEPDB1", "PROD", "TEST", "DB11G", "HIS", "LIS", "PACS", "EMR", "HISDB"}

// TNSProbe is what a listener revealed.
type TNSProbe struct {
	Version   string   `json:"version,omitempty"` // from VSNNUM
	Refusal   string   `json:"refusal,omitempty"` // the version request's REFUSE text
	KnownSIDs []string `json:"known_sids,omitempty"`
	Services  []string `json:"services,omitempty"` // service names (SERVICE_NAME=) accepted
}

// tnsExchange sends one CONNECT and reads the answer, following one RESEND.
func tnsExchange(ctx context.Context, g *scan.Guard, addr, data string, timeout time.Duration) (scan.TNSPacket, error) {
	pkt, err := scan.TNSConnectPacket(data)
	if err != nil {
		return scan.TNSPacket{}, err
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := g.Dial(actx, addr)
	if err != nil {
		return scan.TNSPacket{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	for range 2 {
		if _, err := c.Write(pkt); err != nil {
			return scan.TNSPacket{}, fmt.Errorf("tns connect: %w", err)
		}
		var h [8]byte
		if _, err := io.ReadFull(c, h[:]); err != nil {
			return scan.TNSPacket{}, fmt.Errorf("tns answer: %w", err)
		}
		n := int(h[0])<<8 | int(h[1])
		if n < 8 || n > 1<<16 {
			return scan.TNSPacket{}, fmt.Errorf("tns packet length %d", n)
		}
		b := make([]byte, n)
		copy(b, h[:])
		if _, err := io.ReadFull(c, b[8:]); err != nil {
			return scan.TNSPacket{}, fmt.Errorf("tns answer: %w", err)
		}
		p, _, err := scan.ParseTNS(b)
		if err != nil {
			return p, err
		}
		if p.Type != scan.TNSResend {
			return p, nil
		}
	}
	return scan.TNSPacket{}, fmt.Errorf("tns listener asked to resend twice")
}

// ProbeTNS asks the listener at ip:port for its version and tries each of
// sids as SID and as service name. A SID is known when the listener does not
// refuse it with ERR=12505 (12514 for service names): an ACCEPT, a REDIRECT
// to a dispatcher, or another refusal (the instance is blocked, say) means the
// listener knows it.
func ProbeTNS(ctx context.Context, g *scan.Guard, ip netip.Addr, port int, sids []string, timeout time.Duration) (*TNSProbe, error) {
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	res := &TNSProbe{}
	p, err := tnsExchange(ctx, g, addr, "(CONNECT_DATA=(COMMAND=version))", timeout)
	if err != nil {
		return nil, err
	}
	res.Refusal = p.Data
	res.Version = scan.TNSVersion(p.Data)
	cid := "(CID=(PROGRAM=bianque)(HOST=bianque)(USER=bianque))"
	for _, sid := range sids {
		for _, kind := range []string{"SID", "SERVICE_NAME"} {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			data := "(DESCRIPTION=(CONNECT_DATA=(" + kind + "=" + sid + ")" + cid + ")(ADDRESS=(PROTOCOL=TCP)(HOST=" + ip.String() + ")(PORT=" + strconv.Itoa(port) + ")))"
			p, err := tnsExchange(ctx, g, addr, data, timeout)
			if err != nil {
				return res, err
			}
			code := scan.TNSError(p.Data)
			unknown := p.Type == scan.TNSRefuse && (code == 12505 || code == 12514)
			if unknown {
				continue
			}
			if kind == "SID" {
				res.KnownSIDs = append(res.KnownSIDs, sid)
			} else {
				res.Services = append(res.Services, sid)
			}
		}
	}
	return res, nil
}

// oracleMaxDatabases bounds the databases behind one listener whose
// passwords are tried.
const oracleMaxDatabases = 3

// checkOracle is the Oracle part of a scan's credential checks: the
// listener's disclosures as findings, then the dictionary on each database
// the listener knows (service names first: on 12c and later they reach the
// pluggable databases where application accounts live), at most
// oracleMaxDatabases of them, with the per-account bound shared among them.
func (c *Checker) checkOracle(ctx context.Context, g *scan.Guard, ip netip.Addr, svc scan.Service) []*bianque.Finding {
	sids := OracleDefaultSIDs
	if c.NoBruteForce {
		sids = sids[:NoBruteForceDefaults]
	}
	c.mu.Lock()
	c.attempts += 1 + 2*len(sids)
	c.mu.Unlock()
	pr, err := ProbeTNS(ctx, g, ip, svc.Port, sids, c.Timeout)
	if err != nil || pr == nil {
		return nil
	}
	base := func(title string, sev bianque.VulnSeverity, id, desc, sol, evidence string) *bianque.Finding {
		return &bianque.Finding{
			Title: title, Severity: sev, Scanner: "bianque", PluginID: id, Host: ip.String(), Port: svc.Port, Protocol: "tcp",
			Service: "oracle", Component: "oracle database", ComponentVersion: pr.Version, Description: desc, Solution: sol,
			Evidence: evidence, Count: 1, CVEs: []string{}, References: []string{},
			Locations: []bianque.Location{{Protocol: "tcp", Host: ip.String(), Port: svc.Port}},
		}
	}
	var out []*bianque.Finding
	if pr.Version != "" {
		out = append(out, base("Oracle TNS listener discloses its version", bianque.VulnLow, "oracle-tns-version",
			"The listener answered an unauthenticated version request with its release number ("+pr.Version+"), which tells an attacker which vulnerabilities apply.",
			"Restrict access to the listener port to the application servers that need it (valid node checking: tcp.validnode_checking, tcp.invited_nodes).",
			firstLine(pr.Refusal)))
	}
	if len(pr.KnownSIDs)+len(pr.Services) > 0 {
		var ev []string
		for _, s := range pr.KnownSIDs {
			ev = append(ev, "SID="+s)
		}
		for _, s := range pr.Services {
			ev = append(ev, "SERVICE_NAME="+s)
		}
		out = append(out, base("Oracle listener accepts a default SID or service name", bianque.VulnLow, "oracle-default-sid",
			"The listener confirms default database names to anyone; knowing the SID is the first step of a password attack on the database accounts.",
			"Rename default SIDs and service names where possible, restrict the listener to the application servers (tcp.invited_nodes), and check the default accounts (SYSTEM, SYS, DBSNMP, SCOTT) for vendor passwords.",
			strings.Join(ev, ", ")))
	}
	var dbs []oracleProto
	seen := map[string]bool{}
	for _, n := range pr.Services {
		dbs = append(dbs, oracleProto{kind: "SERVICE_NAME", name: n})
		seen[n] = true
	}
	for _, n := range pr.KnownSIDs {
		if !seen[n] {
			dbs = append(dbs, oracleProto{kind: "SID", name: n})
		}
	}
	tried, found := map[string]int{}, map[string]bool{}
	for i, db := range dbs[:min(len(dbs), oracleMaxDatabases)] {
		if i > 0 && c.Delay > 0 {
			select {
			case <-ctx.Done():
				return out
			case <-time.After(c.Delay):
			}
		}
		db.port, db.dial = svc.Port, g.Dial
		fs, stop := c.checkService(ctx, g, ip, svc.Port, db, svc, tried, found)
		out = append(out, fs...)
		if stop {
			break
		}
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
