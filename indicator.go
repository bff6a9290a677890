package bianque

import (
	"context"
	"encoding/hex"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// IndicatorType is the kind of an indicator of compromise (R3.3).
type IndicatorType string

// Indicator types.
const (
	IndicatorIP          IndicatorType = "ip"           // one address (v4 or v6)
	IndicatorCIDR        IndicatorType = "cidr"         // a network
	IndicatorDomain      IndicatorType = "domain"       // a domain and every subdomain of it
	IndicatorURL         IndicatorType = "url"          // an exact URL
	IndicatorMD5         IndicatorType = "md5"          // file hash
	IndicatorSHA1        IndicatorType = "sha1"         // file hash
	IndicatorSHA256      IndicatorType = "sha256"       // file hash
	IndicatorFilePath    IndicatorType = "file_path"    // a full file path (case-insensitive)
	IndicatorRegistryKey IndicatorType = "registry_key" // a registry key and everything below it
)

// IndicatorTypes lists the indicator types.
var IndicatorTypes = []IndicatorType{IndicatorIP, IndicatorCIDR, IndicatorDomain, IndicatorURL, IndicatorMD5,
	IndicatorSHA1, IndicatorSHA256, IndicatorFilePath, IndicatorRegistryKey}

// Valid reports whether t is a known indicator type.
func (t IndicatorType) Valid() bool { return slices.Contains(IndicatorTypes, t) }

// Indicator is one indicator of compromise with its attribution.
type Indicator struct {
	ID string `json:"id"`
	// TenantID is empty for indicators shared by every tenant (provider
	// intelligence), set for a tenant's own.
	TenantID string        `json:"tenant_id,omitempty"`
	Type     IndicatorType `json:"type"`
	// Value is normalised (NormalizeIndicator): lower-case hashes and domains,
	// canonical addresses and networks, registry hives abbreviated.
	Value string `json:"value"`
	// Tags attribute the indicator: threat actor, malware family, campaign,
	// TLP marking ("apt29", "emotet", "tlp:amber").
	Tags []string `json:"tags,omitempty"`
	// Confidence is 0–100 (STIX 2.1 scale); 0 means unknown.
	Confidence  int    `json:"confidence,omitempty"`
	Source      string `json:"source,omitempty"`      // the feed or person it came from
	ExternalID  string `json:"external_id,omitempty"` // the ID in that source (STIX id, MISP attribute uuid)
	Description string `json:"description,omitempty"`
	// ValidFrom and ValidUntil bound when the indicator applies; zero means
	// unbounded. Expired indicators no longer match.
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

// ActiveAt reports whether the indicator applies at t.
func (i *Indicator) ActiveAt(t time.Time) bool {
	return (i.ValidFrom.IsZero() || !t.Before(i.ValidFrom)) && (i.ValidUntil.IsZero() || t.Before(i.ValidUntil))
}

// Validate checks the indicator and normalises its value and tags.
func (i *Indicator) Validate() error {
	if !i.Type.Valid() {
		return Errorf(EINVALID, "indicator type %q is unknown", i.Type)
	}
	v, err := NormalizeIndicator(i.Type, i.Value)
	if err != nil {
		return err
	}
	i.Value = v
	if i.Confidence < 0 || i.Confidence > 100 {
		return Errorf(EINVALID, "indicator confidence %d must be 0–100", i.Confidence)
	}
	if !i.ValidUntil.IsZero() && !i.ValidFrom.IsZero() && !i.ValidUntil.After(i.ValidFrom) {
		return Errorf(EINVALID, "indicator valid_until must be after valid_from")
	}
	tags := i.Tags[:0]
	for _, t := range i.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	i.Tags = tags
	return nil
}

// registryHives maps the long and kernel spellings of registry roots to the
// abbreviations Sysmon and Sigma rules use.
var registryHives = []struct{ long, short string }{
	{`\registry\machine`, `hklm`},
	{`\registry\user`, `hku`},
	{`hkey_local_machine`, `hklm`},
	{`hkey_current_user`, `hkcu`},
	{`hkey_users`, `hku`},
	{`hkey_classes_root`, `hkcr`},
	{`hkey_current_config`, `hkcc`},
}

// NormalizeIndicator returns the canonical form of an indicator value, or an
// EINVALID error saying why it is not one.
func NormalizeIndicator(t IndicatorType, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", Errorf(EINVALID, "indicator value is empty")
	}
	switch t {
	case IndicatorIP:
		a, err := netip.ParseAddr(strings.Trim(v, "[]"))
		if err != nil {
			return "", Errorf(EINVALID, "indicator %q is not an IP address", v)
		}
		return a.Unmap().WithZone("").String(), nil
	case IndicatorCIDR:
		p, err := ParsePrefixOrAddr(v)
		if err != nil {
			return "", Errorf(EINVALID, "indicator %q is not a network: %v", v, err)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked().String(), nil
	case IndicatorDomain:
		d := strings.TrimSuffix(strings.ToLower(v), ".")
		d = strings.TrimPrefix(d, "*.")
		if d == "" || len(d) > 253 || strings.ContainsAny(d, " /\\:@") || strings.Contains(d, "..") {
			return "", Errorf(EINVALID, "indicator %q is not a domain name", v)
		}
		return d, nil
	case IndicatorURL:
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || u.Scheme == "" {
			return "", Errorf(EINVALID, "indicator %q is not an absolute URL", v)
		}
		return NormalizeURL(u), nil
	case IndicatorMD5, IndicatorSHA1, IndicatorSHA256:
		n := map[IndicatorType]int{IndicatorMD5: 32, IndicatorSHA1: 40, IndicatorSHA256: 64}[t]
		h := strings.ToLower(v)
		if len(h) != n {
			return "", Errorf(EINVALID, "indicator %q is not a %s hash (%d hex digits)", v, t, n)
		}
		if _, err := hex.DecodeString(h); err != nil {
			return "", Errorf(EINVALID, "indicator %q is not a %s hash (%d hex digits)", v, t, n)
		}
		return h, nil
	case IndicatorFilePath:
		return strings.ToLower(v), nil
	case IndicatorRegistryKey:
		return NormalizeRegistryKey(v), nil
	}
	return "", Errorf(EINVALID, "indicator type %q is unknown", t)
}

// NormalizeURL lower-cases scheme and host, drops default ports and the
// fragment, and keeps path and query as they are.
func NormalizeURL(u *url.URL) string {
	c := *u
	c.Scheme = strings.ToLower(c.Scheme)
	host := strings.ToLower(c.Hostname())
	port := c.Port()
	if (c.Scheme == "http" && port == "80") || (c.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	c.Host = host
	c.Fragment, c.RawFragment = "", ""
	if c.Path == "" {
		c.Path = "/"
	}
	return c.String()
}

// NormalizeRegistryKey lower-cases a registry key and abbreviates its hive.
func NormalizeRegistryKey(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	k = strings.TrimRight(k, `\`)
	for _, h := range registryHives {
		if rest, ok := strings.CutPrefix(k, h.long); ok && (rest == "" || rest[0] == '\\') {
			return h.short + rest
		}
	}
	return k
}

// IndicatorFilter selects indicators; TenantID "" lists the platform-wide ones.
type IndicatorFilter struct {
	TenantID string
	Type     IndicatorType
	Tag      string
	Source   string
	// Query finds indicators whose value contains it (case-insensitive).
	Query string
	Page
}

// IndicatorStore persists indicators.
type IndicatorStore interface {
	// UpsertIndicators stores indicators, replacing those with the same
	// tenant, type and value; it returns how many were new.
	UpsertIndicators(ctx context.Context, inds []*Indicator) (int, error)
	Indicators(ctx context.Context, f IndicatorFilter) ([]*Indicator, string, error)
	DeleteIndicator(ctx context.Context, tenantID, id string) error
	// DeleteExpiredIndicators removes indicators whose ValidUntil is before now.
	DeleteExpiredIndicators(ctx context.Context, now time.Time) (int64, error)
}
