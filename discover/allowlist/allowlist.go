// Package allowlist generates segmentation policies from the communication
// map (R11.2): per device group, the minimal allow-list that keeps every
// observed flow, so that a medical device talks only to the systems in its
// clinical workflow and to no internet address but its vendor's known
// endpoints. Policies export as nftables rules, a generic ACL CSV and a
// readable table, and can be evaluated in Go: replaying traffic through a
// policy, and "what would break" — the observed flows a proposed policy
// would deny, clinical flows first.
package allowlist

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"bianque/discover"
)

// Options tune generation.
type Options struct {
	// Segment selects the devices whose traffic the policy restricts
	// (default: devices of kind medical, plus PACS/RIS and other devices
	// that carry PHI).
	Segment func(d *discover.Device) bool
	// GroupOf names a device's group (default: its device type, with its
	// department when the site map gives one).
	GroupOf func(d *discover.Device) string
	// AllowInternet keeps observed internet flows that are not to the
	// device's vendor (default false: only vendor endpoints are allowed).
	AllowInternet bool
}

// Rule allows one kind of communication. From and To are group names
// (members listed in Policy.Groups) or literal addresses (servers outside
// any group, broadcast and multicast addresses).
type Rule struct {
	ID        string   `json:"id"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Transport string   `json:"transport"`
	Port      int      `json:"port"` // 0: any (ICMP, IGMP, ...)
	Apps      []string `json:"apps,omitempty"`
	Clinical  bool     `json:"clinical,omitempty"`
	Internet  bool     `json:"internet,omitempty"`
	Flows     int      `json:"flows"` // observed flow aggregates the rule keeps
	Comment   string   `json:"comment,omitempty"`
}

// Policy is a segmentation policy: the members of each group, the allow
// rules, and the segmented groups whose other traffic is denied.
type Policy struct {
	Groups    map[string][]string `json:"groups"`
	Segmented []string            `json:"segmented"`
	Rules     []Rule              `json:"rules"`
	// Excluded lists observed flows the generator deliberately left out
	// (internet destinations that are not the vendor's), for review.
	Excluded []discover.FlowKey `json:"excluded,omitempty"`

	member map[string]string // address → group
}

// DefaultSegment segments medical devices and systems holding PHI.
func DefaultSegment(d *discover.Device) bool {
	return d.Kind == "medical" || d.Medical != nil || d.PHI != ""
}

// DefaultGroup is the device type, qualified by department when known.
func DefaultGroup(d *discover.Device) string {
	g := d.DeviceType
	if g == "" || g == "unknown" {
		g = "unclassified"
	}
	if d.Location != nil && d.Location.Department != "" {
		g += "@" + d.Location.Department
	}
	return g
}

// Generate builds the policy that keeps every flow of r touching a
// segmented device (internet flows only to the device's vendor unless
// AllowInternet).
func Generate(r *discover.Report, opt Options) *Policy {
	if opt.Segment == nil {
		opt.Segment = DefaultSegment
	}
	if opt.GroupOf == nil {
		opt.GroupOf = DefaultGroup
	}
	p := &Policy{Groups: map[string][]string{}, member: map[string]string{}}
	segmented := map[string]bool{}
	for i := range r.Devices {
		d := &r.Devices[i]
		if d.IP == "" || d.Address != discover.AddrUnicast && d.Address != discover.AddrLoopback {
			continue
		}
		if d.Routed && d.Internet {
			continue // internet hosts are never group members
		}
		g := opt.GroupOf(d)
		p.Groups[g] = append(p.Groups[g], d.IP)
		p.member[d.IP] = g
		if opt.Segment(d) {
			segmented[g] = true
		}
	}
	for g := range segmented {
		p.Segmented = append(p.Segmented, g)
	}
	sort.Strings(p.Segmented)
	for g := range p.Groups {
		sort.Slice(p.Groups[g], func(i, j int) bool { return addrLess(p.Groups[g][i], p.Groups[g][j]) })
	}
	type rkey struct {
		from, to, tr string
		port         int
	}
	rules := map[rkey]*Rule{}
	for _, f := range r.Flows {
		cg, sg := p.member[f.Client], p.member[f.Server]
		if !segmented[cg] && !segmented[sg] {
			continue
		}
		if f.Internet && !f.VendorEndpoint && !opt.AllowInternet {
			p.Excluded = append(p.Excluded, f.Key())
			continue
		}
		from, to := cg, sg
		if from == "" {
			from = f.Client
		}
		if to == "" {
			to = f.Server
		}
		k := rkey{from, to, f.Transport, f.Port}
		rl := rules[k]
		if rl == nil {
			rl = &Rule{From: from, To: to, Transport: f.Transport, Port: f.Port, Internet: f.Internet}
			rules[k] = rl
		}
		rl.Flows++
		rl.Clinical = rl.Clinical || f.Clinical
		for _, a := range f.App {
			if !slices.Contains(rl.Apps, a) {
				rl.Apps = append(rl.Apps, a)
			}
		}
		if f.Internet && f.ServerName != "" && !strings.Contains(rl.Comment, f.ServerName) {
			rl.Comment = strings.TrimSpace(rl.Comment + " " + f.ServerName)
		}
	}
	for _, rl := range rules {
		p.Rules = append(p.Rules, *rl)
	}
	sort.Slice(p.Rules, func(i, j int) bool {
		a, b := p.Rules[i], p.Rules[j]
		if a.Clinical != b.Clinical {
			return a.Clinical
		}
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		if a.Transport != b.Transport {
			return a.Transport < b.Transport
		}
		return a.Port < b.Port
	})
	for i := range p.Rules {
		p.Rules[i].ID = fmt.Sprintf("r%03d", i+1)
	}
	return p
}

func addrLess(a, b string) bool {
	x, e1 := netip.ParseAddr(a)
	y, e2 := netip.ParseAddr(b)
	if e1 != nil || e2 != nil {
		return a < b
	}
	return x.Less(y)
}

// index rebuilds the address → group map (after JSON decoding).
func (p *Policy) index() {
	if p.member != nil {
		return
	}
	p.member = map[string]string{}
	for g, ms := range p.Groups {
		for _, m := range ms {
			p.member[m] = g
		}
	}
}

// Decision is the outcome of evaluating a flow.
type Decision struct {
	Allowed bool
	// Rule is the allow rule that matched (nil when denied or not covered).
	Rule *Rule
	// Covered is false when neither end is in a segmented group: the policy
	// does not restrict the flow.
	Covered bool
	Reason  string
}

func (p *Policy) segmented(g string) bool { return g != "" && slices.Contains(p.Segmented, g) }

// Evaluate decides a flow (client, server, transport, port) under the policy.
func (p *Policy) Evaluate(k discover.FlowKey) Decision {
	p.index()
	cg, sg := p.member[k.Client], p.member[k.Server]
	if !p.segmented(cg) && !p.segmented(sg) {
		return Decision{Allowed: true, Reason: "neither end is segmented"}
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		if !endMatches(r.From, k.Client, cg) || !endMatches(r.To, k.Server, sg) {
			continue
		}
		if r.Transport != k.Transport || r.Port != 0 && r.Port != k.Port {
			continue
		}
		return Decision{Allowed: true, Rule: r, Covered: true, Reason: "allowed by " + r.ID}
	}
	who := k.Client
	if p.segmented(sg) && !p.segmented(cg) {
		who = k.Server
	}
	return Decision{Covered: true, Reason: "no rule allows it; " + who + " is segmented (default deny)"}
}

func endMatches(ruleEnd, addr, group string) bool {
	if ruleEnd == addr {
		return true
	}
	return group != "" && ruleEnd == group
}

// Breakage is an observed flow a policy would deny.
type Breakage struct {
	Flow     discover.FlowKey `json:"flow"`
	Apps     []string         `json:"apps,omitempty"`
	Clinical bool             `json:"clinical"`
	Reason   string           `json:"reason"`
}

// WhatWouldBreak lists the observed flows of r that policy p would deny,
// clinical flows first: a policy must never cut a critical clinical flow.
func (p *Policy) WhatWouldBreak(r *discover.Report) []Breakage { return Check(p, r) }

// Table renders the policy as a readable table.
func (p *Policy) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Segmented groups: %s (everything else they send or receive is denied)\n\n", strings.Join(p.Segmented, ", "))
	w := []int{4, 4, 2, 5, 4, 8}
	rows := [][]string{{"RULE", "FROM", "TO", "PROTO", "APPS", "CLINICAL"}}
	for _, r := range p.Rules {
		port := r.Transport
		if r.Port > 0 {
			port += "/" + strconv.Itoa(r.Port)
		}
		cl := ""
		if r.Clinical {
			cl = "yes"
		}
		to := r.To
		if r.Comment != "" {
			to += " (" + r.Comment + ")"
		}
		rows = append(rows, []string{r.ID, r.From, to, port, strings.Join(r.Apps, ","), cl})
	}
	for _, row := range rows {
		for i, c := range row {
			w[i] = max(w[i], len(c))
		}
	}
	for _, row := range rows {
		for i, c := range row {
			if i == len(row)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s  ", w[i], c)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\nGroups:\n")
	names := make([]string, 0, len(p.Groups))
	for g := range p.Groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		fmt.Fprintf(&b, "  %s: %s\n", g, strings.Join(p.Groups[g], " "))
	}
	if len(p.Excluded) > 0 {
		b.WriteString("\nObserved but not allowed (internet destinations that are not the vendor's):\n")
		for _, k := range p.Excluded {
			fmt.Fprintf(&b, "  %s -> %s %s/%d\n", k.Client, k.Server, k.Transport, k.Port)
		}
	}
	return b.String()
}

// CSV renders a generic ACL: one allow row per rule with its source and
// destination addresses, then the default-deny rows of segmented groups.
func (p *Policy) CSV() string {
	var b strings.Builder
	b.WriteString("rule,action,source,destination,protocol,port,apps,clinical,comment\n")
	addrs := func(end string) string {
		if ms, ok := p.Groups[end]; ok {
			return strings.Join(ms, ";")
		}
		return end
	}
	q := func(s string) string {
		if strings.ContainsAny(s, ",\"\n") {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		return s
	}
	for _, r := range p.Rules {
		port := ""
		if r.Port > 0 {
			port = strconv.Itoa(r.Port)
		}
		fmt.Fprintf(&b, "%s,allow,%s,%s,%s,%s,%s,%t,%s\n", r.ID, q(addrs(r.From)), q(addrs(r.To)), r.Transport, port,
			q(strings.Join(r.Apps, " ")), r.Clinical, q(r.From+" -> "+r.To+" "+r.Comment))
	}
	for i, g := range p.Segmented {
		fmt.Fprintf(&b, "d%03d,deny,%s,any,any,,,false,%s\n", 2*i+1, q(addrs(g)), q("default deny from "+g))
		fmt.Fprintf(&b, "d%03d,deny,any,%s,any,,,false,%s\n", 2*i+2, q(addrs(g)), q("default deny to "+g))
	}
	return b.String()
}

// setName makes an nftables identifier of a group name.
func setName(g string, v6 bool) string {
	var b strings.Builder
	b.WriteString("g_")
	for _, c := range g {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	if v6 {
		b.WriteString("_v6")
	}
	return b.String()
}

// Nftables renders the policy as an nftables ruleset for a forwarding
// firewall (table inet bianque_seg): one address set per group and family,
// the allow rules, then drops for the rest of segmented groups' traffic.
// Replies of allowed connections pass through connection tracking.
func (p *Policy) Nftables() string {
	var b strings.Builder
	b.WriteString("# Generated by bianque discover: segmentation allow-list.\n")
	b.WriteString("table inet bianque_seg\ndelete table inet bianque_seg\n")
	b.WriteString("table inet bianque_seg {\n")
	names := make([]string, 0, len(p.Groups))
	for g := range p.Groups {
		names = append(names, g)
	}
	sort.Strings(names)
	has := map[string][2]bool{}
	for _, g := range names {
		var v4, v6 []string
		for _, m := range p.Groups[g] {
			if a, err := netip.ParseAddr(m); err == nil && a.Is4() {
				v4 = append(v4, m)
			} else if err == nil {
				v6 = append(v6, m)
			}
		}
		if len(v4) > 0 {
			fmt.Fprintf(&b, "\tset %s {\n\t\ttype ipv4_addr\n\t\telements = { %s }\n\t}\n", setName(g, false), strings.Join(v4, ", "))
		}
		if len(v6) > 0 {
			fmt.Fprintf(&b, "\tset %s {\n\t\ttype ipv6_addr\n\t\telements = { %s }\n\t}\n", setName(g, true), strings.Join(v6, ", "))
		}
		has[g] = [2]bool{len(v4) > 0, len(v6) > 0}
	}
	b.WriteString("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n")
	b.WriteString("\t\tct state established,related accept\n")
	// match returns the nft expression of one end for a family, or false
	// when the end cannot match that family.
	match := func(end, dir string, v6 bool) (string, bool) {
		fam := "ip"
		if v6 {
			fam = "ip6"
		}
		if h, ok := has[end]; ok {
			if v6 && !h[1] || !v6 && !h[0] {
				return "", false
			}
			return fmt.Sprintf("%s %s @%s", fam, dir, setName(end, v6)), true
		}
		a, err := netip.ParseAddr(end)
		if err != nil || a.Is6() != v6 {
			return "", false
		}
		return fmt.Sprintf("%s %s %s", fam, dir, end), true
	}
	for _, r := range p.Rules {
		for _, v6 := range []bool{false, true} {
			from, ok1 := match(r.From, "saddr", v6)
			to, ok2 := match(r.To, "daddr", v6)
			if !ok1 || !ok2 {
				continue
			}
			proto := ""
			switch r.Transport {
			case "tcp", "udp", "sctp":
				proto = r.Transport
				if r.Port > 0 {
					proto += " dport " + strconv.Itoa(r.Port)
				} else {
					proto = "meta l4proto " + r.Transport
				}
			case "icmp":
				if v6 {
					continue
				}
				proto = "meta l4proto icmp"
			case "icmpv6":
				if !v6 {
					continue
				}
				proto = "meta l4proto ipv6-icmp"
			case "igmp":
				proto = "meta l4proto igmp"
			default:
				if n, err := strconv.Atoi(strings.TrimPrefix(r.Transport, "ip-")); err == nil {
					proto = fmt.Sprintf("meta l4proto %d", n)
				} else {
					continue
				}
			}
			comment := r.ID + " " + strings.Join(r.Apps, ",")
			fmt.Fprintf(&b, "\t\t%s %s %s accept comment %q\n", from, to, proto, strings.TrimSpace(comment))
		}
	}
	for _, g := range p.Segmented {
		h := has[g]
		if h[0] {
			fmt.Fprintf(&b, "\t\tip saddr @%s counter drop comment %q\n", setName(g, false), "default deny from "+g)
			fmt.Fprintf(&b, "\t\tip daddr @%s counter drop comment %q\n", setName(g, false), "default deny to "+g)
		}
		if h[1] {
			fmt.Fprintf(&b, "\t\tip6 saddr @%s counter drop comment %q\n", setName(g, true), "default deny from "+g)
			fmt.Fprintf(&b, "\t\tip6 daddr @%s counter drop comment %q\n", setName(g, true), "default deny to "+g)
		}
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}
