package inventory

import (
	"slices"
	"testing"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/discover/ledger"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func row(key, typ, kind string, sum ledger.Summary, last time.Time) ledger.DeviceRow {
	sum.IP = key
	return ledger.DeviceRow{Key: key, AssetID: "a-" + key, DeviceType: typ, Kind: kind, Summary: sum, FirstSeen: t0, LastSeen: last}
}

// The asset's values (the hospital's) win over the sensor's; the risk
// takes the highest CVSS of active findings only.
func TestItemOf(t *testing.T) {
	inferred := &bianque.MedicalProfile{FDAClass: 2, PHI: "limited", Disruption: "care"}
	r := row("10.0.0.5", "medical_device", "medical", ledger.Summary{Name: "dev5", PHI: "large", Medical: inferred,
		Location: &discover.Location{Department: "ICU"}, Risks: []string{"phi-cleartext"}}, t0)
	a := &bianque.Asset{ID: "a-10.0.0.5", Name: "10.0.0.5", DeviceType: "infusion_pump", Department: "NICU", Location: "Bed 4",
		Medical: &bianque.MedicalProfile{FDAClass: 2, PHI: "limited", LifeSupporting: true, Disruption: "critical", Confirmed: true, ConfirmedBy: "eng"}}
	fs := []*bianque.Finding{
		{State: bianque.FindingClosed, CVSSScore: 10},
		{State: bianque.FindingOpen, CVSSScore: 5.3},
		{State: bianque.FindingFixing, Severity: bianque.VulnHigh}, // no score: the lowest of its band
	}
	it := ItemOf("t1", r, a, fs, 40)
	if it.Name != "dev5" || it.DeviceType != "infusion_pump" || it.Department != "NICU" || it.Room != "Bed 4" || !it.ProfileConfirmed ||
		!it.LifeSupporting || it.PHI != "limited" {
		t.Fatalf("item %+v", it)
	}
	if it.Risk.CVSS != 7 || it.Risk.Findings != 2 || it.Risk.Safety != "high" || it.Risk.Disruption != "critical" || it.Risk.Privacy != "limited" {
		t.Fatalf("risk %+v", it.Risk)
	}
	// Without an asset the sensor's values stand.
	it = ItemOf("t1", r, nil, nil, 40)
	if it.DeviceType != "medical_device" || it.Department != "ICU" || it.PHI != "large" || it.ProfileConfirmed || it.Risk.Safety != "medium" {
		t.Fatalf("item without asset %+v", it)
	}
}

func TestSelect(t *testing.T) {
	life := &bianque.MedicalProfile{FDAClass: 2, PHI: "large", LifeSupporting: true, Disruption: "critical"}
	ris := &bianque.MedicalProfile{PHI: "large", Disruption: "care"}
	items := []*Item{
		ItemOf("t", row("10.0.0.1", "printer", "iot", ledger.Summary{}, t0.Add(3*time.Hour)), nil, nil, 40),
		ItemOf("t", row("10.0.0.2", "infusion_pump", "medical", ledger.Summary{Medical: life, PHI: "large", Risks: []string{"weak-auth"},
			Location: &discover.Location{Department: "ICU"}}, t0), nil, nil, 40),
		ItemOf("t", row("10.0.0.3", "ris", "server", ledger.Summary{Medical: ris, PHI: "large"}, t0.Add(time.Hour)), nil, nil, 40),
		ItemOf("t", row("10.0.0.4", "infusion_pump", "medical", ledger.Summary{Medical: life, PHI: "large",
			Location: &discover.Location{Department: "ICU"}}, t0.Add(2*time.Hour)), nil, nil, 40),
	}
	keys := func(p *Page) []string {
		var out []string
		for _, it := range p.Items {
			out = append(out, it.Key)
		}
		return out
	}
	pg := Select(items, Filter{}, 40)
	// The pump above the threshold (55) first, then by score, then the
	// most recently seen.
	if got := keys(pg); !slices.Equal(got, []string{"10.0.0.2", "10.0.0.4", "10.0.0.3", "10.0.0.1"}) || pg.Above != 1 || pg.Total != 4 {
		t.Fatalf("order %v, above %d", got, pg.Above)
	}
	if !slices.Equal(pg.DeviceTypes, []string{"infusion_pump", "printer", "ris"}) || !slices.Equal(pg.Departments, []string{"ICU"}) {
		t.Fatalf("facets %v %v", pg.DeviceTypes, pg.Departments)
	}
	yes, no := true, false
	for _, tc := range []struct {
		f    Filter
		want []string
	}{
		{Filter{Risk: "above"}, []string{"10.0.0.2"}},
		{Filter{Risk: "below", DeviceType: "infusion_pump"}, []string{"10.0.0.4"}},
		{Filter{Medical: &yes}, []string{"10.0.0.2", "10.0.0.4"}}, // the RIS holds PHI but is no medical device
		{Filter{Medical: &no}, []string{"10.0.0.3", "10.0.0.1"}},
		{Filter{PHI: &yes, LifeSupporting: &no}, []string{"10.0.0.3"}},
		{Filter{Department: "icu"}, []string{"10.0.0.2", "10.0.0.4"}},
		{Filter{SeenSince: t0.Add(90 * time.Minute)}, []string{"10.0.0.4", "10.0.0.1"}},
		{Filter{SeenBefore: t0.Add(time.Hour)}, []string{"10.0.0.2"}},
		{Filter{Query: "0.0.3"}, []string{"10.0.0.3"}},
	} {
		if got := keys(Select(items, tc.f, 40)); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
	// Paging by offset walks every device once.
	var walked []string
	f := Filter{Page: bianque.Page{Limit: 3}}
	for {
		p := Select(items, f, 40)
		walked = append(walked, keys(p)...)
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	if !slices.Equal(walked, keys(pg)) {
		t.Fatalf("paging %v", walked)
	}
	for _, bad := range []Filter{{Risk: "high"}, {Kind: "robot"}, {Page: bianque.Page{Cursor: "x"}}} {
		if bianque.ErrorCode(bad.Validate()) != bianque.EINVALID {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// Evidence is grouped by the protocol of the field it came from, with the
// identity strings of that protocol.
func TestProtocolsOf(t *testing.T) {
	d := &discover.Device{DeviceType: "ct",
		Identities: discover.Identities{"dicom": {"calling_ae": {"CT01"}, "sop_classes": {"1.2.840.10008.5.1.4.1.1.2"}}, "dhcp": {"hostname": {"ct01"}}},
		Evidence: []discover.Evidence{
			{Rule: "dicom-ae-title-ct", Field: "dicom.calling_ae", Value: "CT01", Confidence: 0.4},
			{Rule: "dicom-stores-ct", Field: "dicom.sop_modality", Value: "CT", Confidence: 0.8},
		},
		Attributes: map[string]discover.Attribute{"vendor": {Value: "SIEMENS", Confidence: 0.5,
			Evidence: []discover.Evidence{{Rule: "oui", Field: "oui.vendor", Value: "Siemens AG", Confidence: 0.5}}}},
	}
	ps := ProtocolsOf(d)
	var names []string
	for _, p := range ps {
		names = append(names, p.Protocol)
	}
	if !slices.Equal(names, []string{"dicom", "oui", "dhcp"}) {
		t.Fatalf("protocols %v", names)
	}
	dicom := ps[0]
	if len(dicom.Conclusions) != 2 || dicom.Conclusions[0].Rule != "dicom-stores-ct" || dicom.Conclusions[0].Attribute != "device_type" ||
		len(dicom.Seen) != 2 || dicom.Seen[0].Name != "calling_ae" {
		t.Fatalf("dicom %+v", dicom)
	}
	if ps[1].Conclusions[0].Attribute != "vendor" || ps[1].Conclusions[0].Value != "SIEMENS" {
		t.Fatalf("oui %+v", ps[1])
	}
}

func TestGraphOf(t *testing.T) {
	flows := []ledger.StoredFlow{
		{Client: "10.0.0.10", Server: "10.0.0.50", Transport: "tcp", Port: 104, Apps: []string{"dicom"}, Category: "clinical", Clinical: true, Bytes: 100},
		{Client: "10.0.0.10", Server: "194.138.20.71", Transport: "tcp", Port: 443, Apps: []string{"tls"}, Category: "other", Internet: true,
			ServerName: "remote.siemens-healthineers.com", VendorEndpoint: true, Bytes: 5000},
		{Client: "10.0.0.10", Server: "93.184.216.34", Transport: "tcp", Port: 443, Internet: true, ServerName: "x.example.net", Bytes: 10},
		{Client: "10.0.0.9", Server: "10.0.0.10", Transport: "tcp", Port: 23, Apps: []string{"telnet"}, Category: "control", Risks: []string{"cleartext"}},
		{Client: "10.0.0.9", Server: "10.0.0.50", Transport: "tcp", Port: 22}, // not the device's
	}
	rows := map[string]ledger.DeviceRow{"10.0.0.50": {Key: "10.0.0.50", DeviceType: "pacs", Summary: ledger.Summary{Name: "PACS",
		Medical: &bianque.MedicalProfile{FDAClass: 2}}}}
	g := GraphOf("10.0.0.10", flows, rows)
	if len(g.Edges) != 4 || len(g.Nodes) != 5 || g.Clinical != 1 || g.Control != 1 || !slices.Equal(g.RiskFlags, []string{"cleartext"}) {
		t.Fatalf("graph %+v", g)
	}
	if !g.Edges[0].Clinical {
		t.Error("clinical flows come first")
	}
	if len(g.Internet) != 2 || !g.Internet[0].VendorEndpoint || g.Internet[1].VendorEndpoint {
		t.Fatalf("internet destinations %+v", g.Internet)
	}
	for _, n := range g.Nodes {
		switch n.ID {
		case "10.0.0.10":
			if !n.Self {
				t.Error("self")
			}
		case "10.0.0.50":
			if !n.Medical || n.Label != "PACS (10.0.0.50)" {
				t.Errorf("pacs node %+v", n)
			}
		case "194.138.20.71":
			if !n.Internet || !n.Vendor || n.Label != "remote.siemens-healthineers.com (194.138.20.71)" {
				t.Errorf("vendor node %+v", n)
			}
		}
	}
}
