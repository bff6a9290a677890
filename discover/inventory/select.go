package inventory

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"bianque"
	"bianque/discover/ledger"
)

// ItemOf makes the inventory entry of a device from its discovery row, its
// asset (nil when there is none: the hospital deleted it) and the asset's
// findings. The asset's values win where set: they are the hospital's.
func ItemOf(tenantID string, row ledger.DeviceRow, a *bianque.Asset, findings []*bianque.Finding, threshold float64) *Item {
	s := row.Summary
	it := &Item{TenantID: tenantID, Key: row.Key, AssetID: row.AssetID, IP: s.IP, MAC: s.MAC, Name: s.Name,
		DeviceType: row.DeviceType, Kind: row.Kind, Vendor: row.Vendor, Model: s.Model, OS: row.OS,
		SoftwareVersion: row.SoftwareVersion, Confidence: s.Confidence, Medical: s.Medical, PHI: s.PHI,
		NetworkRisks: s.Risks, FirstSeen: row.FirstSeen, LastSeen: row.LastSeen}
	if s.Location != nil {
		it.Department, it.Room = s.Location.Department, s.Location.Room
	}
	if a != nil {
		pick := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		pick(&it.Name, a.Name)
		if it.Name == row.Key && s.Name != "" {
			it.Name = s.Name // the asset was named after its address only
		}
		pick(&it.DeviceType, a.DeviceType)
		pick(&it.Kind, string(a.Kind))
		pick(&it.Vendor, a.Vendor)
		pick(&it.Model, a.Model)
		pick(&it.OS, a.OS)
		pick(&it.SoftwareVersion, a.OSVersion)
		pick(&it.Department, a.Department)
		pick(&it.Room, a.Location)
		if a.Medical != nil {
			m := *a.Medical
			it.Medical = &m
			it.ProfileConfirmed = m.Confirmed
		}
		if a.LastSeen.After(it.LastSeen) {
			it.LastSeen = a.LastSeen
		}
	}
	if it.Medical != nil {
		it.LifeSupporting = it.Medical.LifeSupporting
		if it.Medical.PHI != "" && (it.ProfileConfirmed || it.PHI == "") {
			it.PHI = it.Medical.PHI
		}
	}
	in := RiskInput{Medical: it.IsMedical(), PHI: it.PHI, NetworkRisks: it.NetworkRisks}
	if m := it.Medical; m != nil {
		in.FDAClass, in.LifeSupporting, in.Disruption = m.FDAClass, m.LifeSupporting, m.Disruption
	}
	for _, f := range findings {
		if !f.State.Active() {
			continue
		}
		in.Findings++
		cvss := f.CVSSScore
		if cvss == 0 {
			cvss = severityCVSS[f.Severity]
		}
		in.CVSS = max(in.CVSS, cvss)
	}
	it.Risk = Score(in, threshold)
	return it
}

// severityCVSS stands for the CVSS score of a finding that has none: the
// lowest score of its severity's CVSS band, so that the score never
// overstates what the scanner said.
var severityCVSS = map[bianque.VulnSeverity]float64{
	bianque.VulnCritical: 9.0, bianque.VulnHigh: 7.0, bianque.VulnMedium: 4.0, bianque.VulnLow: 0.1,
}

// Matches reports whether the item passes the filter.
func (f *Filter) Matches(it *Item) bool {
	has := func(v, sub string) bool { return strings.Contains(strings.ToLower(v), strings.ToLower(sub)) }
	switch {
	case f.DeviceType != "" && it.DeviceType != f.DeviceType:
		return false
	case f.Kind != "" && it.Kind != f.Kind:
		return false
	case f.Department != "" && !strings.EqualFold(it.Department, f.Department):
		return false
	case f.Vendor != "" && !has(it.Vendor, f.Vendor):
		return false
	case f.Risk == "above" && !it.Risk.Above, f.Risk == "below" && it.Risk.Above:
		return false
	case f.Medical != nil && it.IsMedical() != *f.Medical:
		return false
	case f.PHI != nil && (it.PHI == "limited" || it.PHI == "large") != *f.PHI:
		return false
	case f.LifeSupporting != nil && it.LifeSupporting != *f.LifeSupporting:
		return false
	case !f.SeenSince.IsZero() && it.LastSeen.Before(f.SeenSince):
		return false
	case !f.SeenBefore.IsZero() && !it.LastSeen.Before(f.SeenBefore):
		return false
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if !has(it.Name, q) && !has(it.IP, q) && !has(it.MAC, q) && !has(it.Model, q) && !has(it.Vendor, q) && !has(it.Key, q) {
			return false
		}
	}
	return true
}

// Validate checks the filter's values.
func (f *Filter) Validate() error {
	if f.Risk != "" && f.Risk != "above" && f.Risk != "below" {
		return bianque.Errorf(bianque.EINVALID, "risk %q must be above or below", f.Risk)
	}
	if f.Kind != "" && !slices.Contains(bianque.AssetKinds, bianque.AssetKind(f.Kind)) {
		return bianque.Errorf(bianque.EINVALID, "kind %q is unknown", f.Kind)
	}
	if f.Cursor != "" {
		if n, err := strconv.Atoi(f.Cursor); err != nil || n < 0 {
			return bianque.Errorf(bianque.EINVALID, "cursor %q is not one this list gave", f.Cursor)
		}
	}
	return nil
}

// Select filters, orders and pages the items: devices above the acceptable
// risk first, then by score, then the most recently seen; the cursor is the
// offset of the next page.
func Select(items []*Item, f Filter, threshold float64) *Page {
	p := &Page{Items: []*Item{}, Threshold: threshold, DeviceTypes: []string{}, Departments: []string{}}
	var sel []*Item
	for _, it := range items {
		if it.DeviceType != "" && !slices.Contains(p.DeviceTypes, it.DeviceType) {
			p.DeviceTypes = append(p.DeviceTypes, it.DeviceType)
		}
		if it.Department != "" && !slices.Contains(p.Departments, it.Department) {
			p.Departments = append(p.Departments, it.Department)
		}
		if f.Matches(it) {
			sel = append(sel, it)
			if it.Risk.Above {
				p.Above++
			}
		}
	}
	sort.Strings(p.DeviceTypes)
	sort.Strings(p.Departments)
	sort.SliceStable(sel, func(i, j int) bool {
		a, b := sel[i], sel[j]
		if a.Risk.Above != b.Risk.Above {
			return a.Risk.Above
		}
		if a.Risk.Score != b.Risk.Score {
			return a.Risk.Score > b.Risk.Score
		}
		if !a.LastSeen.Equal(b.LastSeen) {
			return a.LastSeen.After(b.LastSeen)
		}
		return a.Key < b.Key
	})
	p.Total = len(sel)
	pg := f.Page.Normalize()
	off, _ := strconv.Atoi(pg.Cursor)
	if off > len(sel) {
		off = len(sel)
	}
	end := min(off+pg.Limit, len(sel))
	p.Items = append(p.Items, sel[off:end]...)
	if end < len(sel) {
		p.NextCursor = strconv.Itoa(end)
	}
	return p
}
