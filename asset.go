package bianque

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// AssetKind is the broad class of an asset.
type AssetKind string

// Asset kinds.
const (
	AssetServer      AssetKind = "server"
	AssetWorkstation AssetKind = "workstation"
	AssetNetwork     AssetKind = "network"  // switches, routers, firewalls, wireless
	AssetMedical     AssetKind = "medical"  // connected medical devices (passive only)
	AssetIoT         AssetKind = "iot"      // cameras, printers, building controllers
	AssetBusiness    AssetKind = "business" // a business system (HIS, PACS, LIS) as a whole
	AssetOther       AssetKind = "other"
)

// AssetKinds lists the kinds.
var AssetKinds = []AssetKind{AssetServer, AssetWorkstation, AssetNetwork, AssetMedical, AssetIoT, AssetBusiness, AssetOther}

// Asset sources: how the ledger learnt about an asset.
const (
	SourcePassive = "passive" // seen in traffic by the sensor
	SourceScan    = "scan"    // found by the active scanner
	SourceImport  = "import"  // from a scanner report or CMDB import
	SourceManual  = "manual"  // entered by a person
	SourceLog     = "log"     // named in collected logs
)

// MedicalProfile is the clinical context of a medical device (R6.6, R9.3).
// Inferred values are marked so; the hospital confirms or corrects them.
type MedicalProfile struct {
	// FDAClass is 1, 2 or 3; 0 when unknown.
	FDAClass int `json:"fda_class,omitempty"`
	// PHI: "none", "limited" or "large" (R9.3 privacy impact).
	PHI string `json:"phi,omitempty"`
	// LifeSupporting devices (monitors, infusion pumps, ventilators) give direct patient care.
	LifeSupporting bool `json:"life_supporting,omitempty"`
	// Disruption: "none", "care" (may affect care) or "critical" (disrupts critical treatment).
	Disruption string `json:"disruption,omitempty"`
	// ManagedBy: clinical_engineering, it, manufacturer, contractor (R7.7).
	ManagedBy string `json:"managed_by,omitempty"`
	// Confirmed is set when a person of the hospital confirmed the profile.
	Confirmed   bool   `json:"confirmed,omitempty"`
	ConfirmedBy string `json:"confirmed_by,omitempty"`
	// ScanOverride allows active probes of this one device; set by a person
	// and recorded in the audit log (004: active scans can disrupt devices).
	ScanOverride   bool       `json:"scan_override,omitempty"`
	ScanOverrideBy string     `json:"scan_override_by,omitempty"`
	ScanOverrideAt *time.Time `json:"scan_override_at,omitempty"`
}

// Service is a listening service (port) of an asset.
type Service struct {
	Port      int       `json:"port"`
	Protocol  string    `json:"protocol"` // tcp, udp
	Name      string    `json:"name,omitempty"`
	Product   string    `json:"product,omitempty"`
	Version   string    `json:"version,omitempty"`
	CPE       string    `json:"cpe,omitempty"`
	Banner    string    `json:"banner,omitempty"`
	Exposed   bool      `json:"exposed,omitempty"` // reachable from the internet vantage (R6.4)
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Asset is an entry of the tenant's asset ledger (R6.1).
type Asset struct {
	ID         string    `json:"id"`
	TenantID   string    `json:"tenant_id"`
	Name       string    `json:"name"`
	Kind       AssetKind `json:"kind"`
	DeviceType string    `json:"device_type,omitempty"` // e.g. ct, mr, pacs, patient_monitor, printer, ip_camera
	IPs        []string  `json:"ips,omitempty"`
	MACs       []string  `json:"macs,omitempty"`
	Hostnames  []string  `json:"hostnames,omitempty"`
	Vendor     string    `json:"vendor,omitempty"`
	Model      string    `json:"model,omitempty"`
	OS         string    `json:"os,omitempty"`
	OSVersion  string    `json:"os_version,omitempty"`
	Firmware   string    `json:"firmware,omitempty"`
	// CPEs name the asset's platform and software for CVE matching.
	CPEs           []string `json:"cpes,omitempty"`
	Owner          string   `json:"owner,omitempty"`
	Department     string   `json:"department,omitempty"`
	Location       string   `json:"location,omitempty"`
	BusinessSystem string   `json:"business_system,omitempty"`
	// Importance is the asset's value to the hospital, 1 (low) – 5 (critical).
	Importance int             `json:"importance"`
	Medical    *MedicalProfile `json:"medical,omitempty"`
	Services   []Service       `json:"services,omitempty"`
	Sources    []string        `json:"sources,omitempty"`
	Tags       []string        `json:"tags,omitempty"`
	// Confirmed is set when the hospital confirmed the entry (R6.2).
	Confirmed bool      `json:"confirmed,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// Validate checks the asset's fields.
func (a *Asset) Validate() error {
	switch {
	case a.TenantID == "":
		return Errorf(EINVALID, "asset tenant is required")
	case !slices.Contains(AssetKinds, a.Kind):
		return Errorf(EINVALID, "asset kind %q is unknown", a.Kind)
	case a.Importance < 1 || a.Importance > 5:
		return Errorf(EINVALID, "asset importance %d must be 1–5", a.Importance)
	case len(a.IPs) == 0 && len(a.MACs) == 0 && len(a.Hostnames) == 0 && strings.TrimSpace(a.Name) == "":
		return Errorf(EINVALID, "asset needs a name, an IP, a MAC or a hostname")
	}
	for _, ip := range a.IPs {
		if _, err := netip.ParseAddr(ip); err != nil {
			return Errorf(EINVALID, "asset IP %q is not an address", ip)
		}
	}
	if m := a.Medical; m != nil {
		if m.FDAClass < 0 || m.FDAClass > 3 {
			return Errorf(EINVALID, "FDA class %d must be 1–3 (0 unknown)", m.FDAClass)
		}
		if m.PHI != "" && m.PHI != "none" && m.PHI != "limited" && m.PHI != "large" {
			return Errorf(EINVALID, "PHI %q must be none, limited or large", m.PHI)
		}
		if m.Disruption != "" && m.Disruption != "none" && m.Disruption != "care" && m.Disruption != "critical" {
			return Errorf(EINVALID, "disruption %q must be none, care or critical", m.Disruption)
		}
	}
	return nil
}

// IsMedical reports whether the asset is a medical device or carries a
// clinical profile; the scanner never probes such an asset without an override.
func (a *Asset) IsMedical() bool { return a.Kind == AssetMedical || a.Medical != nil }

// ActiveProbeAllowed reports whether the active scanner may touch the asset.
func (a *Asset) ActiveProbeAllowed() bool {
	return !a.IsMedical() || a.Medical != nil && a.Medical.ScanOverride
}

// AssetFilter selects assets of a set of tenants.
type AssetFilter struct {
	TenantIDs  []string
	Kinds      []AssetKind
	DeviceType string
	Department string
	// IP, MAC or Hostname select by identity (exact match).
	IP, MAC, Hostname string
	// Query matches name, hostnames, vendor, model (case-insensitive substring).
	Query string
	Page
}

// AssetService manages the asset ledger.
type AssetService interface {
	CreateAsset(ctx context.Context, a *Asset) error
	Asset(ctx context.Context, tenantID, id string) (*Asset, error)
	Assets(ctx context.Context, f AssetFilter) ([]*Asset, string, error)
	UpdateAsset(ctx context.Context, a *Asset) error
	DeleteAsset(ctx context.Context, tenantID, id string) error
}
