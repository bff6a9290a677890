package allowlist

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"bianque/discover"
)

// Evaluator decides flows: a Policy, or an ACL read from a CSV.
type Evaluator interface {
	Evaluate(k discover.FlowKey) Decision
}

// Check lists the observed flows of r that e would deny, clinical flows
// first: the "what would break" check of a proposed policy.
func Check(e Evaluator, r *discover.Report) []Breakage {
	var out []Breakage
	for _, f := range r.Flows {
		d := e.Evaluate(f.Key())
		if d.Allowed {
			continue
		}
		out = append(out, Breakage{Flow: f.Key(), Apps: f.App, Clinical: f.Clinical, Reason: d.Reason})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Clinical && !out[j].Clinical })
	return out
}

// ACL is an ordered access list as firewalls read it: the first row that
// matches a flow decides; a flow no row matches is not covered (allowed).
type ACL struct {
	Rows []ACLRow
}

// ACLRow is one row: allow or deny traffic from source to destination
// addresses on a protocol and port.
type ACLRow struct {
	ID       string
	Allow    bool
	Src, Dst []netip.Prefix // nil: any
	Protocol string         // "" : any
	PortLo   int            // 0: any
	PortHi   int
	Line     int
}

func (r *ACLRow) matches(k discover.FlowKey) bool {
	in := func(ps []netip.Prefix, addr string) bool {
		if ps == nil {
			return true
		}
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range ps {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !in(r.Src, k.Client) || !in(r.Dst, k.Server) {
		return false
	}
	if r.Protocol != "" && r.Protocol != k.Transport {
		return false
	}
	return r.PortLo == 0 || k.Port >= r.PortLo && k.Port <= r.PortHi
}

// Evaluate implements Evaluator.
func (a *ACL) Evaluate(k discover.FlowKey) Decision {
	for i := range a.Rows {
		r := &a.Rows[i]
		if !r.matches(k) {
			continue
		}
		if r.Allow {
			return Decision{Allowed: true, Covered: true, Reason: "allowed by " + r.ID}
		}
		return Decision{Covered: true, Reason: fmt.Sprintf("denied by %s (line %d)", r.ID, r.Line)}
	}
	return Decision{Allowed: true, Reason: "no row matches"}
}

// ParseACL reads an ACL in the CSV layout of Policy.CSV: a header naming at
// least action, source, destination, protocol and port (rule and the other
// columns are optional), then one row per rule. Actions: allow, accept,
// permit, deny, drop, reject. Sources and destinations: "any", or addresses
// and CIDRs separated by ";" or spaces. Protocol "any" or a transport
// (tcp, udp, icmp ...). Port empty or "any", a number, or a range "lo-hi".
func ParseACL(r io.Reader) (*ACL, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("ACL header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"action", "source", "destination", "protocol", "port"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("ACL header needs the column %q (have %s)", need, strings.Join(head, ","))
		}
	}
	get := func(row []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	acl := &ACL{}
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("ACL line %d: %w", line, err)
		}
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		r := ACLRow{ID: get(row, "rule"), Line: line}
		if r.ID == "" {
			r.ID = "line " + strconv.Itoa(line)
		}
		switch strings.ToLower(get(row, "action")) {
		case "allow", "accept", "permit":
			r.Allow = true
		case "deny", "drop", "reject":
		default:
			return nil, fmt.Errorf("ACL line %d: action %q must be allow or deny", line, get(row, "action"))
		}
		if r.Src, err = parseEnds(get(row, "source")); err != nil {
			return nil, fmt.Errorf("ACL line %d: source: %w", line, err)
		}
		if r.Dst, err = parseEnds(get(row, "destination")); err != nil {
			return nil, fmt.Errorf("ACL line %d: destination: %w", line, err)
		}
		if p := strings.ToLower(get(row, "protocol")); p != "" && p != "any" {
			r.Protocol = p
		}
		if p := strings.ToLower(get(row, "port")); p != "" && p != "any" {
			lo, hi, ok := strings.Cut(p, "-")
			a, err1 := strconv.Atoi(lo)
			b := a
			var err2 error
			if ok {
				b, err2 = strconv.Atoi(hi)
			}
			if err1 != nil || err2 != nil || a < 1 || b > 65535 || b < a {
				return nil, fmt.Errorf("ACL line %d: port %q must be 1–65535 or a range lo-hi", line, p)
			}
			r.PortLo, r.PortHi = a, b
		}
		acl.Rows = append(acl.Rows, r)
	}
	if len(acl.Rows) == 0 {
		return nil, fmt.Errorf("the ACL has no rows")
	}
	return acl, nil
}

func parseEnds(s string) ([]netip.Prefix, error) {
	if s == "" || strings.EqualFold(s, "any") {
		return nil, nil
	}
	out := []netip.Prefix{}
	for _, part := range strings.FieldsFunc(s, func(c rune) bool { return c == ';' || c == ' ' || c == '\t' }) {
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, err
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR", part)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ParsePolicy reads a policy document as written by the JSON export.
func ParsePolicy(b []byte) (*Policy, error) {
	var p Policy
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate checks a policy document (from a person's edit): rules name a
// transport, ports are in range, and every segmented group exists.
func (p *Policy) Validate() error {
	for _, g := range p.Segmented {
		if _, ok := p.Groups[g]; !ok {
			return fmt.Errorf("policy: segmented group %q has no members listed", g)
		}
	}
	for g, ms := range p.Groups {
		for _, m := range ms {
			if _, err := netip.ParseAddr(m); err != nil {
				return fmt.Errorf("policy: group %q: %q is not an address", g, m)
			}
		}
	}
	for i, r := range p.Rules {
		if r.From == "" || r.To == "" || r.Transport == "" {
			return fmt.Errorf("policy: rule %d (%s) needs from, to and transport", i+1, r.ID)
		}
		if r.Port < 0 || r.Port > 65535 {
			return fmt.Errorf("policy: rule %d (%s): port %d must be 0–65535", i+1, r.ID, r.Port)
		}
	}
	p.member = nil
	return nil
}
