package parse

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"bianque/event"
	"bianque/parse/ecs"
)

// Mapping is a declarative vendor normalizer: how to recognise the vendor's
// records and which of its fields become which ECS fields. It covers
// products whose logs are key=value, CEF, LEEF or JSON fields; products with
// a free-text grammar need Go code (a Vendor with its own Normalize, which
// may still run a Mapping for the fields it extracted).
//
// In YAML:
//
//	id: sophos-firewall
//	name: Sophos Firewall
//	aliases: [sophos, sfos]
//	formats: [kv]
//	observer: {vendor: Sophos, product: Firewall, type: firewall}
//	detect: {format: kv, keys: [device_model, log_type]}
//	fields:
//	  src_ip: source.ip
//	  user_name: [user.name, source.user.name]
//	values:
//	  log_subtype: {event.outcome: {Allowed: success, Denied: failure}}
//	set: {event.kind: event, event.category: [network]}
//	timestamp: [{keys: [timestamp], layout: "2006-01-02T15:04:05-0700"}]
//	namespace: sophos.firewall
type Mapping struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Aliases  []string `yaml:"aliases"`
	Formats  []Format `yaml:"formats"`
	Observer Observer `yaml:"observer"`
	Charset  string   `yaml:"charset"`
	Verified string   `yaml:"verified"`

	Detect DetectRule `yaml:"detect"`
	// Fields maps a source field to one or more ECS (or vendor) fields; the
	// value is converted to each target's ECS type.
	Fields map[string]Targets `yaml:"fields"`
	// Values maps a source field's value to values of other fields; the key
	// "*" gives the value for anything not listed.
	Values map[string]map[string]map[string]string `yaml:"values"`
	// Set holds constant fields.
	Set map[string]any `yaml:"set"`
	// Timestamp rules are tried in order for @timestamp.
	Timestamp []TimeRule `yaml:"timestamp"`
	// Namespace, when set, receives every field not mapped, as
	// "<namespace>.<key>" strings.
	Namespace string `yaml:"namespace"`
	// Related lists the fields copied to related.*; empty means
	// RelatedSources, "none" disables it.
	Related []string `yaml:"related"`

	rules map[string]*fieldRule
}

// Targets is one field name or a list of them.
type Targets []string

// UnmarshalYAML accepts a scalar or a sequence.
func (t *Targets) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*t = Targets{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*t = l
	return nil
}

// DetectRule says how to recognise a vendor's records. Every condition set
// must hold.
type DetectRule struct {
	Format   Format            `yaml:"format"`
	Keys     []string          `yaml:"keys"`     // all present
	AnyKeys  []string          `yaml:"any_keys"` // at least one present
	Equals   map[string]string `yaml:"equals"`   // field values (case-insensitive)
	Prefix   string            `yaml:"prefix"`   // body starts with
	Contains string            `yaml:"contains"` // body contains
	Appname  string            `yaml:"appname"`  // syslog APP-NAME (case-insensitive)
	// CEF or LEEF header vendor/product (case-insensitive, prefix match).
	HeaderVendor  string `yaml:"header_vendor"`
	HeaderProduct string `yaml:"header_product"`
}

// TimeRule reads @timestamp from one field, or several joined with a space.
// Layout is a Go time layout, or "unix", "unix_ms", "unix_us", "unix_ns",
// or empty for the common formats ParseTime knows. Zone names a field
// holding the offset ("+0100"); otherwise the device time zone applies.
type TimeRule struct {
	Keys   []string `yaml:"keys"`
	Layout string   `yaml:"layout"`
	Zone   string   `yaml:"zone"`
}

type fieldRule struct {
	targets []string
	values  map[string]map[string]string
}

// ParseMapping reads a YAML mapping.
func ParseMapping(b []byte) (*Mapping, error) {
	var m Mapping
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("parse mapping: %w", err)
	}
	if err := m.compile(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Mapping) compile() error {
	if m.ID == "" {
		return fmt.Errorf("mapping: id is required")
	}
	m.rules = map[string]*fieldRule{}
	for k, ts := range m.Fields {
		for _, t := range ts {
			if t == "" {
				return fmt.Errorf("mapping %s: empty target for %q", m.ID, k)
			}
		}
		m.rules[k] = &fieldRule{targets: ts}
	}
	for k, vm := range m.Values {
		r := m.rules[k]
		if r == nil {
			r = &fieldRule{}
			m.rules[k] = r
		}
		r.values = vm
	}
	for _, tr := range m.Timestamp {
		if len(tr.Keys) == 0 {
			return fmt.Errorf("mapping %s: timestamp rule without keys", m.ID)
		}
	}
	return nil
}

// Vendor returns the vendor the mapping describes.
func (m *Mapping) Vendor() *Vendor {
	if m.rules == nil {
		if err := m.compile(); err != nil {
			panic(err)
		}
	}
	return &Vendor{
		ID: m.ID, Aliases: m.Aliases, Name: m.Name, Formats: m.Formats, Observer: m.Observer,
		Charset: m.Charset, Verified: m.Verified,
		Detect:    m.Matches,
		Normalize: m.Apply,
	}
}

// Matches reports whether the record fits the detect rule.
func (m *Mapping) Matches(r *Record) bool {
	d := &m.Detect
	if d.Format != "" && r.Format != d.Format {
		return false
	}
	if d.Prefix != "" && !strings.HasPrefix(r.Body, d.Prefix) {
		return false
	}
	if d.Contains != "" && !strings.Contains(r.Body, d.Contains) {
		return false
	}
	if d.Appname != "" && (r.Syslog == nil || !strings.EqualFold(r.Syslog.Appname, d.Appname)) {
		return false
	}
	if d.HeaderVendor != "" || d.HeaderProduct != "" {
		var v, p string
		switch {
		case r.CEF != nil:
			v, p = r.CEF.DeviceVendor, r.CEF.DeviceProduct
		case r.LEEF != nil:
			v, p = r.LEEF.Vendor, r.LEEF.Product
		default:
			return false
		}
		if !hasPrefixFold(v, d.HeaderVendor) || !hasPrefixFold(p, d.HeaderProduct) {
			return false
		}
	}
	for _, k := range d.Keys {
		if _, ok := r.Get(k); !ok {
			return false
		}
	}
	if len(d.AnyKeys) > 0 {
		found := false
		for _, k := range d.AnyKeys {
			if _, ok := r.Get(k); ok {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	for k, want := range d.Equals {
		if v, ok := r.Get(k); !ok || !strings.EqualFold(v, want) {
			return false
		}
	}
	return d.Format != "" || len(d.Keys) > 0 || len(d.AnyKeys) > 0 || len(d.Equals) > 0 || d.Prefix != "" || d.Contains != "" || d.Appname != "" || d.HeaderVendor != ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Apply fills e from the record's fields.
func (m *Mapping) Apply(r *Record, e *event.Event) error {
	for k, v := range m.Set {
		SetValue(e, k, v)
	}
	if r.JSON != nil {
		Flatten(r.JSON, func(path string, v any) {
			s, ok := v.(string)
			if !ok {
				if rule := m.rules[path]; rule != nil {
					for _, t := range rule.targets {
						SetValue(e, t, v)
					}
					return
				}
				if m.Namespace != "" && v != nil {
					SetValue(e, m.Namespace+"."+path, v)
				}
				return
			}
			m.applyField(e, path, s)
		})
	} else {
		for _, p := range r.Pairs {
			if p.Bare {
				continue
			}
			m.applyField(e, p.Key, p.Value)
		}
	}
	m.applyTimestamp(r, e)
	if len(m.Related) == 1 && m.Related[0] == "none" {
		return nil
	}
	FillRelated(e, m.Related...)
	return nil
}

func (m *Mapping) applyField(e *event.Event, key, val string) {
	rule := m.rules[key]
	if rule == nil {
		if m.Namespace != "" && val != "" {
			e.Set(m.Namespace+"."+key, val)
		}
		return
	}
	for _, t := range rule.targets {
		Set(e, t, val)
	}
	for target, vm := range rule.values {
		out, ok := vm[val]
		if !ok {
			out, ok = vm[Lower(val)]
		}
		if !ok {
			out, ok = vm["*"]
		}
		if ok && out != "" {
			Set(e, target, out)
		}
	}
}

func (m *Mapping) applyTimestamp(r *Record, e *event.Event) {
	for _, tr := range m.Timestamp {
		if t, ok := tr.Read(r); ok {
			e.SetTimestamp(t)
			return
		}
	}
}

// Read evaluates the rule against a record.
func (tr *TimeRule) Read(r *Record) (time.Time, bool) {
	parts := make([]string, 0, len(tr.Keys))
	for _, k := range tr.Keys {
		v, ok := r.Get(k)
		if !ok || v == "" {
			return time.Time{}, false
		}
		parts = append(parts, v)
	}
	s := strings.Join(parts, " ")
	loc := r.Location()
	if tr.Zone != "" {
		if z, ok := r.Get(tr.Zone); ok {
			if l, ok := ParseOffset(z); ok {
				loc = l
			}
		}
	}
	switch tr.Layout {
	case "":
		return ParseTime(s, loc)
	case "unix", "unix_ms", "unix_us", "unix_ns":
		return ParseEpoch(s)
	}
	t, err := time.ParseInLocation(tr.Layout, s, loc)
	return t, err == nil
}

// ParseOffset reads a zone offset "+0100", "+01:00", "-05" or "Z".
func ParseOffset(s string) (*time.Location, bool) {
	s = strings.TrimSpace(s)
	if s == "Z" || s == "UTC" || s == "GMT" {
		return time.UTC, true
	}
	if len(s) < 3 || (s[0] != '+' && s[0] != '-') {
		return nil, false
	}
	d := strings.ReplaceAll(s[1:], ":", "")
	if len(d) == 2 {
		d += "00"
	}
	if len(d) != 4 || !allDigits(d) {
		return nil, false
	}
	off := (int(d[0]-'0')*10+int(d[1]-'0'))*3600 + (int(d[2]-'0')*10+int(d[3]-'0'))*60
	if s[0] == '-' {
		off = -off
	}
	return time.FixedZone("", off), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ECSType is exported for mapping tools: the ECS type name of a field.
func ECSType(field string) string { return ecs.TypeOf(field).String() }
