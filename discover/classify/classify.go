package classify

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"bianque"
	"bianque/discover"
	"bianque/discover/decode"
	"bianque/discover/oui"
)

//go:generate go run gen_dicom.go -in $BIANQUE_CORPORA/medical-ids/dicom-uids.csv -out dicom-sop.csv

//go:embed dicom-sop.csv
var dicomSOPCSV []byte

// SOPClass is a DICOM SOP class with the modality its storage implies.
type SOPClass struct {
	UID, Name, Modality string
}

var sopClasses = func() map[string]SOPClass {
	m := map[string]SOPClass{}
	rows, err := csv.NewReader(bytes.NewReader(dicomSOPCSV)).ReadAll()
	if err != nil {
		panic("classify: embedded dicom-sop.csv: " + err.Error()) // built into the binary; tested
	}
	for _, r := range rows[1:] {
		m[r[0]] = SOPClass{UID: r[0], Name: r[1], Modality: r[2]}
	}
	return m
}()

// LookupSOP returns the SOP class of a UID.
func LookupSOP(uid string) (SOPClass, bool) {
	s, ok := sopClasses[uid]
	return s, ok
}

// uidRoots are organisation roots of DICOM implementation class UIDs.
// Only roots with evidence are listed: the standard's, DCMTK's and
// pydicom's (verified on captures and toolkit sources), Philips and GE
// (evidenced by instance UIDs in public code).
var uidRoots = []struct{ root, org string }{
	{"1.2.840.10008.", "DICOM standard"},
	{"1.2.276.0.7230010.3.", "OFFIS DCMTK"},
	{"1.2.826.0.1.3680043.8.498.", "pydicom"},
	{"1.3.46.670589.", "Philips Medical Systems"},
	{"1.2.840.113619.", "GE Healthcare"},
}

// Classifier classifies devices of a report.
type Classifier struct {
	Rules *RuleSet
	OUI   *oui.Table
	Sites *SiteMap
}

// New returns a classifier with the built-in rules and OUI table.
func New() (*Classifier, error) {
	rs, err := Builtin()
	if err != nil {
		return nil, err
	}
	t, err := oui.Builtin()
	if err != nil {
		return nil, err
	}
	return &Classifier{Rules: rs, OUI: t}, nil
}

// flowFacts are facts a device gets from the flows it takes part in.
type flowFacts struct {
	clientApps, serverApps, clientPorts, serverPorts map[string]bool
	peers, clients                                   map[string]bool
}

// Classify completes every device of r.
func (c *Classifier) Classify(r *discover.Report) {
	ff := map[string]*flowFacts{}
	get := func(ip string) *flowFacts {
		x := ff[ip]
		if x == nil {
			x = &flowFacts{map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}}
			ff[ip] = x
		}
		return x
	}
	for _, f := range r.Flows {
		cl, sv := get(f.Client), get(f.Server)
		port := f.Transport + "/" + strconv.Itoa(f.Port)
		if f.ServerPackets > 0 || f.Transport != "tcp" && f.Transport != "udp" {
			sv.serverPorts[port] = true
		}
		cl.clientPorts[port] = true
		for _, a := range f.App {
			cl.clientApps[a] = true
			sv.serverApps[a] = true
		}
		cl.peers[f.Server] = true
		sv.peers[f.Client] = true
		sv.clients[f.Client] = true
	}
	// Addresses behind each MAC that is not theirs: a router's interface.
	behind := map[string]int{}
	for i := range r.Devices {
		d := &r.Devices[i]
		if d.Routed {
			for _, m := range d.MACs {
				behind[m]++
			}
		}
	}
	for i := range r.Devices {
		d := &r.Devices[i]
		c.classify(d, ff[d.IP], behind[d.MAC])
	}
}

// Facts derives the rule facts of a device.
func (c *Classifier) Facts(d *discover.Device, fl *flowFacts, routesFor int) Facts {
	f := Facts{}
	add := func(k, v string) {
		if v == "" {
			return
		}
		for _, x := range f[k] {
			if x == v {
				return
			}
		}
		f[k] = append(f[k], v)
	}
	for sec, fields := range d.Identities {
		for field, vs := range fields {
			for _, v := range vs {
				add(sec+"."+field, v)
			}
		}
	}
	for _, n := range d.Names {
		add("names", n)
	}
	add("address", d.Address)
	if d.Internet {
		add("internet", "yes")
	}
	if d.Routed {
		add("routed", "yes")
	}
	if d.MAC != "" {
		if m, ok := decode.ParseMAC(d.MAC); ok {
			if m[0]&0x02 != 0 {
				add("mac.local_admin", "yes")
			}
			if c.OUI != nil {
				if org, ok := c.OUI.Lookup(m); ok {
					add("oui.vendor", org)
					if c.Rules != nil {
						add("oui.medical_maker", c.Rules.MedicalMaker(org))
					}
				}
			}
		}
	}
	if routesFor > 0 {
		add("mac.routes_for", strconv.Itoa(routesFor))
	}
	for _, s := range d.Services {
		add("service", s.Transport+"/"+strconv.Itoa(s.Port))
		add("service.app", s.App)
	}
	if fl != nil {
		for _, m := range []struct {
			k  string
			vs map[string]bool
		}{{"client.app", fl.clientApps}, {"server.app", fl.serverApps}, {"client.port", fl.clientPorts}, {"server.port", fl.serverPorts}} {
			keys := make([]string, 0, len(m.vs))
			for v := range m.vs {
				keys = append(keys, v)
			}
			sort.Strings(keys)
			for _, v := range keys {
				add(m.k, v)
			}
		}
		add("peer.count", strconv.Itoa(len(fl.peers)))
		add("server.clients", strconv.Itoa(len(fl.clients)))
	}
	for _, uid := range d.Identities.Get("dicom", "sop_classes") {
		if s, ok := sopClasses[uid]; ok {
			add("dicom.sop_name", s.Name)
			add("dicom.sop_modality", s.Modality)
		}
	}
	for _, uid := range d.Identities.Get("dicom", "abstract_syntaxes") {
		if s, ok := sopClasses[uid]; ok {
			add("dicom.abstract_modality", s.Modality)
			add("dicom.abstract_name", s.Name)
		}
	}
	for _, uid := range d.Identities.Get("dicom", "requested_syntaxes") {
		if s, ok := sopClasses[uid]; ok {
			add("dicom.requested_name", s.Name)
		}
	}
	for _, uid := range d.Identities.Get("dicom", "impl_class_uid") {
		for _, r := range uidRoots {
			if strings.HasPrefix(uid+".", r.root) {
				add("dicom.impl_org", r.org)
			}
		}
	}
	if c.Rules != nil {
		for _, v := range d.Identities.Get("bacnet", "vendor_id") {
			if id, err := strconv.Atoi(v); err == nil {
				add("bacnet.vendor", c.Rules.BACnetVendors[id])
			}
		}
	}
	return f
}

type scored struct {
	value string
	conf  float64
	ev    []discover.Evidence
	first int
}

// combine groups matches by the value they conclude and combines their
// confidences as independent evidence.
func combine(ms []Match, pick func(Match) string) *scored {
	by := map[string]*scored{}
	for i, m := range ms {
		v := pick(m)
		if v == "" {
			continue
		}
		s := by[v]
		if s == nil {
			s = &scored{value: v, first: i}
			by[v] = s
		}
		s.conf = 1 - (1-s.conf)*(1-m.Rule.Confidence)
		s.ev = append(s.ev, discover.Evidence{Rule: m.Rule.ID, Field: m.Field, Value: m.Value,
			Says: m.Rule.Description, Confidence: m.Rule.Confidence})
	}
	var best *scored
	for _, s := range by {
		if best == nil || s.conf > best.conf+1e-9 || abs(s.conf-best.conf) <= 1e-9 && s.first < best.first {
			best = s
		}
	}
	return best
}

// bestType picks the device type with the most combined evidence. Evidence
// for a general type (its parent, e.g. imaging_modality) also counts for a
// specific type that has evidence of its own.
func (c *Classifier) bestType(ms []Match) *scored {
	by := map[string]*scored{}
	var order []string
	for i, m := range ms {
		v := m.expand(m.Rule.Then.DeviceType)
		if v == "" {
			continue
		}
		s := by[v]
		if s == nil {
			s = &scored{value: v, first: i}
			by[v] = s
			order = append(order, v)
		}
		s.conf = 1 - (1-s.conf)*(1-m.Rule.Confidence)
		s.ev = append(s.ev, discover.Evidence{Rule: m.Rule.ID, Field: m.Field, Value: m.Value,
			Says: m.Rule.Description, Confidence: m.Rule.Confidence})
	}
	var best *scored
	for _, v := range order {
		s := *by[v]
		for p, seen := c.Rules.Types[v].Parent, 0; p != "" && seen < 4; p, seen = c.Rules.Types[p].Parent, seen+1 {
			if ps := by[p]; ps != nil {
				s.conf = 1 - (1-s.conf)*(1-ps.conf)
				s.ev = append(s.ev, ps.ev...)
			}
		}
		if best == nil || s.conf > best.conf+1e-9 || abs(s.conf-best.conf) <= 1e-9 && s.first < best.first {
			cp := s
			best = &cp
		}
	}
	return best
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func round3(f float64) float64 {
	return float64(int(f*1000+0.5)) / 1000
}

func (c *Classifier) classify(d *discover.Device, fl *flowFacts, routesFor int) {
	if c.Sites != nil {
		c.Sites.Locate(d)
	}
	switch d.Address {
	case discover.AddrMulticast, discover.AddrBroadcast:
		d.DeviceType, d.Kind = "group_address", ""
		return
	case discover.AddrUnspecified:
		d.DeviceType, d.Kind = "unspecified_address", ""
		return
	}
	facts := c.Facts(d, fl, routesFor)
	var ms []Match
	if c.Rules != nil {
		ms = c.Rules.Eval(facts)
	}
	if best := c.bestType(ms); best != nil {
		d.DeviceType = best.value
		d.Confidence = round3(best.conf)
		d.Evidence = best.ev
	} else {
		d.DeviceType = "unknown"
		d.Confidence = 0
	}
	attrs := map[string]discover.Attribute{}
	for _, a := range []struct {
		name string
		pick func(Match) string
		set  *string
	}{
		{"vendor", func(m Match) string { return m.expand(m.Rule.Then.Vendor) }, &d.Vendor},
		{"model", func(m Match) string { return m.expand(m.Rule.Then.Model) }, &d.Model},
		{"os", func(m Match) string { return m.expand(m.Rule.Then.OS) }, &d.OS},
		{"software_version", func(m Match) string { return m.expand(m.Rule.Then.SoftwareVersion) }, &d.SoftwareVersion},
	} {
		if best := combine(ms, a.pick); best != nil {
			*a.set = best.value
			attrs[a.name] = discover.Attribute{Value: best.value, Confidence: round3(best.conf), Evidence: best.ev}
		}
	}
	if d.Vendor == "" {
		if v := facts["oui.vendor"]; len(v) > 0 {
			d.Vendor = v[0]
			// The OUI names the maker of the network interface, usually but
			// not always the maker of the device.
			attrs["vendor"] = discover.Attribute{Value: v[0], Confidence: 0.5, Evidence: []discover.Evidence{{
				Rule: "oui", Field: "mac", Value: d.MAC, Says: "IEEE OUI assignment of the device's MAC address", Confidence: 0.5}}}
		}
	}
	if len(attrs) > 0 {
		d.Attributes = attrs
	}
	info, ok := c.Rules.Types[d.DeviceType]
	if ok {
		d.Kind = info.Kind
	}
	if ok && (info.Medical || info.PHI != "") {
		m := &bianque.MedicalProfile{FDAClass: info.FDAClass, LifeSupporting: info.LifeSupporting,
			Disruption: info.Disruption, PHI: info.PHI}
		if d.Medical == nil {
			d.Medical = m
			d.MedicalInferred = true
		}
	}
}

// Explain lists the rules that fire on a device (for tests and the portal).
func (c *Classifier) Explain(d *discover.Device) []string {
	var out []string
	for _, m := range c.Rules.Eval(c.Facts(d, nil, 0)) {
		out = append(out, fmt.Sprintf("%s (%s=%q)", m.Rule.ID, m.Field, m.Value))
	}
	return out
}

// SiteMap places devices in departments and rooms by subnet or VLAN, as
// the hospital describes its network.
type SiteMap struct {
	Entries []SiteEntry `json:"entries"`
}

// SiteEntry maps a subnet or VLAN to a place.
type SiteEntry struct {
	Subnet     string `json:"subnet,omitempty"`
	VLAN       int    `json:"vlan,omitempty"`
	Department string `json:"department"`
	Room       string `json:"room,omitempty"`
	prefix     netip.Prefix
}

// Compile parses the subnets; it is called by the loader.
func (s *SiteMap) Compile() error {
	for i := range s.Entries {
		e := &s.Entries[i]
		if e.Subnet == "" {
			if e.VLAN == 0 {
				return fmt.Errorf("site map entry %d: needs a subnet or a VLAN", i+1)
			}
			continue
		}
		p, err := netip.ParsePrefix(e.Subnet)
		if err != nil {
			return fmt.Errorf("site map entry %d: %w", i+1, err)
		}
		e.prefix = p.Masked()
	}
	return nil
}

// Locate sets d.Location from the most specific matching subnet, else VLAN.
func (s *SiteMap) Locate(d *discover.Device) {
	ip, err := netip.ParseAddr(d.IP)
	var best *SiteEntry
	if err == nil {
		for i := range s.Entries {
			e := &s.Entries[i]
			if e.prefix.IsValid() && e.prefix.Contains(ip) && (best == nil || e.prefix.Bits() > best.prefix.Bits()) {
				best = e
			}
		}
	}
	src := "subnet-map"
	if best == nil {
		for i := range s.Entries {
			e := &s.Entries[i]
			for _, v := range d.VLANs {
				if e.VLAN == v && !e.prefix.IsValid() {
					best = e
					src = "vlan-map"
				}
			}
		}
	}
	if best == nil {
		return
	}
	if d.Location == nil {
		d.Location = &discover.Location{}
	}
	d.Location.Department, d.Location.Room, d.Location.Source = best.Department, best.Room, src
	if best.VLAN != 0 {
		d.Location.VLAN = best.VLAN
	}
}
