// Package inventory is the platform's view of passively discovered devices:
// the device inventory with its filters, the device page (identity evidence
// per protocol, the rules that classified the device, its clinical profile,
// communication map, anomalies and findings), the per-device clinical risk
// (R9.3), and the segmentation allow-lists of device groups with their
// "what would break" check (R11.2). Devices are asset-ledger entries (source
// passive) plus what discovery knows about them; where the hospital
// corrected the ledger entry (type, department, clinical profile), its word
// wins. Service is what the HTTP layer calls; the service package
// implements it over the platform store.
package inventory

import (
	"context"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/discover/allowlist"
	"bianque/discover/ledger"
)

// Item is one device of the inventory.
type Item struct {
	TenantID        string `json:"tenant_id"`
	Key             string `json:"key"`
	AssetID         string `json:"asset_id,omitempty"`
	IP              string `json:"ip,omitempty"`
	MAC             string `json:"mac,omitempty"`
	Name            string `json:"name,omitempty"`
	DeviceType      string `json:"device_type"`
	Kind            string `json:"kind,omitempty"`
	Vendor          string `json:"vendor,omitempty"`
	Model           string `json:"model,omitempty"`
	OS              string `json:"os,omitempty"`
	SoftwareVersion string `json:"software_version,omitempty"`
	Department      string `json:"department,omitempty"`
	Room            string `json:"room,omitempty"`
	// Confidence of the device type as classified from traffic.
	Confidence float64 `json:"confidence"`
	// Medical is the clinical profile in force: the hospital's once it
	// confirmed one, otherwise the sensor's inference.
	Medical          *bianque.MedicalProfile `json:"medical,omitempty"`
	ProfileConfirmed bool                    `json:"profile_confirmed"`
	PHI              string                  `json:"phi,omitempty"`
	LifeSupporting   bool                    `json:"life_supporting"`
	NetworkRisks     []string                `json:"network_risks,omitempty"`
	Risk             Risk                    `json:"risk"`
	FirstSeen        time.Time               `json:"first_seen"`
	LastSeen         time.Time               `json:"last_seen"`
}

// IsMedical reports a medical device: by its kind, or by a clinical
// profile that makes it one (an FDA class, life support). Systems that
// only hold patient data (RIS, HIS) carry a profile for their privacy and
// disruption impact but are not medical devices.
func (it *Item) IsMedical() bool {
	return it.Kind == string(bianque.AssetMedical) || MedicalProfile(it.Medical)
}

// MedicalProfile reports a clinical profile of a medical device.
func MedicalProfile(m *bianque.MedicalProfile) bool {
	return m != nil && (m.FDAClass > 0 || m.LifeSupporting)
}

// Filter selects devices of one tenant.
type Filter struct {
	TenantID   string
	DeviceType string // exact device type
	Kind       string // ledger kind (medical, iot, ...)
	Department string // exact, case-insensitive
	Vendor     string // substring, case-insensitive
	// Risk: "above" (above the hospital's acceptable risk) or "below".
	Risk           string
	Medical        *bool
	PHI            *bool // carries PHI (limited or large)
	LifeSupporting *bool
	// SeenSince and SeenBefore bound the last time the device was seen.
	SeenSince, SeenBefore time.Time
	// Query matches name, IP, MAC, model and vendor (substring).
	Query string
	bianque.Page
}

// Page is one page of the inventory: devices above the acceptable risk
// first, then by score, then most recently seen.
type Page struct {
	Items      []*Item `json:"items"`
	NextCursor string  `json:"next_cursor"`
	// Total devices matching the filter; Above of them above the threshold.
	Total     int     `json:"total"`
	Above     int     `json:"above_threshold"`
	Threshold float64 `json:"threshold"`
	// Facets list the values present, for the filter controls.
	DeviceTypes []string `json:"device_types"`
	Departments []string `json:"departments"`
}

// ProtocolEvidence is what one protocol (or derived source such as the OUI
// registry) showed about a device, and the conclusions drawn from it.
type ProtocolEvidence struct {
	Protocol string `json:"protocol"`
	// Seen are the identity strings, field by field.
	Seen []Field `json:"seen,omitempty"`
	// Conclusions are the rule evidence drawn from this protocol's fields.
	Conclusions []Conclusion `json:"conclusions,omitempty"`
}

// Field is one identity field with its values.
type Field struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Conclusion is one piece of rule evidence: what the rule concluded
// (device type, vendor, model, OS, software version), from which field and
// value, with what confidence.
type Conclusion struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	discover.Evidence
}

// FindingRef is an active vulnerability finding of the device's asset.
type FindingRef struct {
	ID       string               `json:"id"`
	Title    string               `json:"title"`
	Severity bianque.VulnSeverity `json:"severity"`
	CVSS     float64              `json:"cvss"`
	CVEs     []string             `json:"cves"`
	State    bianque.FindingState `json:"state"`
	Port     int                  `json:"port,omitempty"`
}

// Detail is the device page.
type Detail struct {
	Item
	// Record is the latest discovery record: identities, evidence,
	// attributes, services and risks as the sensor reported them.
	Record    discover.Device         `json:"record"`
	Asset     *bianque.Asset          `json:"asset,omitempty"`
	Protocols []ProtocolEvidence      `json:"protocols"`
	Findings  []FindingRef            `json:"findings"`
	Anomalies []*ledger.AnomalyRecord `json:"anomalies"`
	// Inferred is the sensor's inference of the clinical profile, shown
	// beside the one in force when the hospital corrected it.
	Inferred *bianque.MedicalProfile `json:"inferred_profile,omitempty"`
}

// Node is a device in a peer graph.
type Node struct {
	ID         string `json:"id"`
	Label      string `json:"label"`
	DeviceType string `json:"device_type,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Self       bool   `json:"self,omitempty"`
	Internet   bool   `json:"internet,omitempty"`
	Vendor     bool   `json:"vendor_endpoint,omitempty"`
	Medical    bool   `json:"medical,omitempty"`
	Group      bool   `json:"group_address,omitempty"` // multicast or broadcast
}

// Edge is one communication of the device: client → server on a port.
type Edge struct {
	Source         string    `json:"source"` // the client
	Target         string    `json:"target"` // the server
	Transport      string    `json:"transport"`
	Port           int       `json:"port"`
	Apps           []string  `json:"apps"`
	Category       string    `json:"category"`
	Clinical       bool      `json:"clinical"`
	PHI            bool      `json:"phi,omitempty"`
	Internet       bool      `json:"internet,omitempty"`
	ServerName     string    `json:"server_name,omitempty"`
	VendorEndpoint bool      `json:"vendor_endpoint,omitempty"`
	Risks          []string  `json:"risks,omitempty"`
	Connections    int64     `json:"connections"`
	Packets        int64     `json:"packets"`
	Bytes          int64     `json:"bytes"`
	FirstSeen      time.Time `json:"first_seen"`
	LastSeen       time.Time `json:"last_seen"`
}

// Destination is an internet destination of the device.
type Destination struct {
	Address        string `json:"address"`
	Name           string `json:"name,omitempty"`
	VendorEndpoint bool   `json:"vendor_endpoint"`
}

// PeerGraph is the communication map of one device.
type PeerGraph struct {
	Device   string        `json:"device"`
	Nodes    []Node        `json:"nodes"`
	Edges    []Edge        `json:"edges"`
	Internet []Destination `json:"internet_destinations"`
	// Clinical and Control count the device's clinical and control flows.
	Clinical int `json:"clinical_flows"`
	Control  int `json:"control_flows"`
	// RiskFlags are the network-level risks on its flows (cleartext, weak
	// authentication ...).
	RiskFlags []string `json:"risk_flags,omitempty"`
}

// ProfileInput is the hospital's confirmation or correction of a device's
// clinical profile (R6.6).
type ProfileInput struct {
	FDAClass       int    `json:"fda_class"`
	PHI            string `json:"phi"`
	LifeSupporting bool   `json:"life_supporting"`
	Disruption     string `json:"disruption"`
	ManagedBy      string `json:"managed_by"`
}

// ManagedBy values (R7.7).
var ManagedBy = []string{"clinical_engineering", "it", "manufacturer", "contractor"}

// Validate checks the input.
func (p *ProfileInput) Validate() error {
	m := bianque.MedicalProfile{FDAClass: p.FDAClass, PHI: p.PHI, Disruption: p.Disruption}
	a := bianque.Asset{TenantID: "x", Kind: bianque.AssetMedical, Importance: 1, Name: "x", Medical: &m}
	if err := a.Validate(); err != nil {
		return err
	}
	if p.PHI == "" || p.Disruption == "" {
		return bianque.Errorf(bianque.EINVALID, "the profile needs PHI (none, limited, large) and disruption (none, care, critical)")
	}
	if p.ManagedBy != "" && !slices.Contains(ManagedBy, p.ManagedBy) {
		return bianque.Errorf(bianque.EINVALID, "managed_by %q must be one of %s", p.ManagedBy, strings.Join(ManagedBy, ", "))
	}
	return nil
}

// GroupInfo is a device group of the segmentation view.
type GroupInfo struct {
	Name      string `json:"name"`
	Members   int    `json:"members"`
	Segmented bool   `json:"segmented"` // segmented by default (medical devices, PHI)
}

// Segmentation is the allow-list of a device group (or of every group
// segmented by default when none is named).
type Segmentation struct {
	Group  string            `json:"group,omitempty"`
	Groups []GroupInfo       `json:"groups"`
	Policy *allowlist.Policy `json:"policy"`
	// Format and Export: the policy rendered as nft, csv or table.
	Format string `json:"format,omitempty"`
	Export string `json:"export,omitempty"`
}

// Formats of an exported allow-list.
var Formats = []string{"nft", "csv", "table", "json"}

// CheckInput is a proposed policy: a policy document as exported in JSON
// (edited or not), or an ACL in the CSV layout of the export (rows in
// order, first match decides; addresses or CIDRs separated by ";").
type CheckInput struct {
	Policy *allowlist.Policy `json:"policy,omitempty"`
	ACLCSV string            `json:"acl_csv,omitempty"`
}

// CheckResult says what a proposed policy would break: the observed flows it
// denies, clinical flows first (a policy must never cut a critical clinical
// flow, R11.2).
type CheckResult struct {
	Flows          int                  `json:"flows_checked"`
	Denied         int                  `json:"denied"`
	ClinicalDenied int                  `json:"clinical_denied"`
	Breakages      []allowlist.Breakage `json:"breakages"`
}

// Service is the platform's discovery service. Reads need asset.read in the
// tenant, changes asset.write; every change is audited.
type Service interface {
	Inventory(ctx context.Context, f Filter) (*Page, error)
	Device(ctx context.Context, tenantID, key string) (*Detail, error)
	Peers(ctx context.Context, tenantID, key string) (*PeerGraph, error)
	Anomalies(ctx context.Context, tenantID string, f ledger.AnomalyFilter) ([]*ledger.AnomalyRecord, string, error)
	// ConfirmProfile confirms or corrects a device's clinical profile.
	ConfirmProfile(ctx context.Context, tenantID, key string, in ProfileInput) (*Detail, error)
	Settings(ctx context.Context, tenantID string) (*ledger.Settings, error)
	// UpdateSettings stores the settings (st.Version must be the stored
	// version) and places every device by the new site map; it returns
	// the stored settings and how many devices moved.
	UpdateSettings(ctx context.Context, tenantID string, st *ledger.Settings) (*ledger.Settings, int, error)
	Segmentation(ctx context.Context, tenantID, group, format string) (*Segmentation, error)
	Check(ctx context.Context, tenantID string, in CheckInput) (*CheckResult, error)
}

// ProtocolsOf groups a device's identity strings and classification
// evidence by protocol (the section of the field name: dicom.calling_ae →
// dicom; derived facts such as oui.vendor form their own section).
func ProtocolsOf(d *discover.Device) []ProtocolEvidence {
	by := map[string]*ProtocolEvidence{}
	get := func(p string) *ProtocolEvidence {
		if by[p] == nil {
			by[p] = &ProtocolEvidence{Protocol: p}
		}
		return by[p]
	}
	for sec, fields := range d.Identities {
		pe := get(sec)
		for name, vals := range fields {
			pe.Seen = append(pe.Seen, Field{Name: name, Values: vals})
		}
		sort.Slice(pe.Seen, func(i, j int) bool { return pe.Seen[i].Name < pe.Seen[j].Name })
	}
	section := func(field string) string {
		if i := strings.IndexByte(field, '.'); i > 0 {
			return field[:i]
		}
		return field
	}
	seen := map[string]bool{}
	add := func(attr, value string, e discover.Evidence) {
		k := attr + "\x00" + value + "\x00" + e.Rule + "\x00" + e.Field + "\x00" + e.Value
		if seen[k] {
			return
		}
		seen[k] = true
		pe := get(section(e.Field))
		pe.Conclusions = append(pe.Conclusions, Conclusion{Attribute: attr, Value: value, Evidence: e})
	}
	for _, e := range d.Evidence {
		add("device_type", d.DeviceType, e)
	}
	attrs := make([]string, 0, len(d.Attributes))
	for a := range d.Attributes {
		attrs = append(attrs, a)
	}
	sort.Strings(attrs)
	for _, a := range attrs {
		at := d.Attributes[a]
		for _, e := range at.Evidence {
			add(a, at.Value, e)
		}
	}
	out := make([]ProtocolEvidence, 0, len(by))
	for _, pe := range by {
		sort.SliceStable(pe.Conclusions, func(i, j int) bool { return pe.Conclusions[i].Confidence > pe.Conclusions[j].Confidence })
		out = append(out, *pe)
	}
	// Protocols that concluded something first, then by name.
	sort.Slice(out, func(i, j int) bool {
		if (len(out[i].Conclusions) > 0) != (len(out[j].Conclusions) > 0) {
			return len(out[i].Conclusions) > 0
		}
		return out[i].Protocol < out[j].Protocol
	})
	return out
}

// GraphOf builds the peer graph of device key from the stored flows that
// involve it; devices names what is known of the peers.
func GraphOf(key string, flows []ledger.StoredFlow, devices map[string]ledger.DeviceRow) *PeerGraph {
	g := &PeerGraph{Device: key, Nodes: []Node{}, Edges: []Edge{}, Internet: []Destination{}}
	nodes := map[string]int{}
	node := func(addr string) {
		if _, ok := nodes[addr]; ok {
			return
		}
		n := Node{ID: addr, Label: addr, Self: addr == key}
		if r, ok := devices[addr]; ok {
			n.DeviceType, n.Kind = r.DeviceType, r.Kind
			n.Medical = r.Kind == string(bianque.AssetMedical) || MedicalProfile(r.Summary.Medical)
			if r.Summary.Name != "" {
				n.Label = r.Summary.Name + " (" + addr + ")"
			}
		}
		if a, err := netip.ParseAddr(addr); err == nil {
			n.Internet = discover.IsPublic(a)
			n.Group = a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
		}
		nodes[addr] = len(g.Nodes)
		g.Nodes = append(g.Nodes, n)
	}
	node(key)
	dests := map[string]int{}
	for _, f := range flows {
		if f.Client != key && f.Server != key {
			continue
		}
		node(f.Client)
		node(f.Server)
		e := Edge{Source: f.Client, Target: f.Server, Transport: f.Transport, Port: f.Port, Apps: f.Apps, Category: f.Category,
			Clinical: f.Clinical, PHI: f.PHI, Internet: f.Internet, ServerName: f.ServerName, VendorEndpoint: f.VendorEndpoint,
			Risks: f.Risks, Connections: f.Connections, Packets: f.Packets, Bytes: f.Bytes, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}
		if e.Apps == nil {
			e.Apps = []string{}
		}
		g.Edges = append(g.Edges, e)
		switch {
		case f.Clinical:
			g.Clinical++
		case f.Category == discover.CategoryControl:
			g.Control++
		}
		for _, r := range f.Risks {
			if !slices.Contains(g.RiskFlags, r) {
				g.RiskFlags = append(g.RiskFlags, r)
			}
		}
		if f.Internet && f.Client == key {
			if f.ServerName != "" {
				n := &g.Nodes[nodes[f.Server]]
				n.Label = f.ServerName + " (" + f.Server + ")"
			}
			if f.VendorEndpoint {
				g.Nodes[nodes[f.Server]].Vendor = true
			}
			if i, ok := dests[f.Server]; ok {
				d := &g.Internet[i]
				d.VendorEndpoint = d.VendorEndpoint || f.VendorEndpoint
				if d.Name == "" {
					d.Name = f.ServerName
				}
			} else {
				dests[f.Server] = len(g.Internet)
				g.Internet = append(g.Internet, Destination{Address: f.Server, Name: f.ServerName, VendorEndpoint: f.VendorEndpoint})
			}
		}
	}
	sort.Strings(g.RiskFlags)
	sort.SliceStable(g.Edges, func(i, j int) bool {
		if g.Edges[i].Clinical != g.Edges[j].Clinical {
			return g.Edges[i].Clinical
		}
		return g.Edges[i].Bytes > g.Edges[j].Bytes
	})
	return g
}
