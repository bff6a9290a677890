// Package classify decides what a device is from the facts passive
// discovery gathered, with declarative rules kept in data files (YAML).
//
// A rule names the facts it needs (predicates on fields such as
// "dicom.sop_modality", "mdns.services" or "oui.vendor") and what it
// concludes (device type, vendor, model, OS, software version) with a
// confidence. Evidence of several rules for the same conclusion combines
// as independent observations (1 − Π(1 − cᵢ)); every conclusion keeps the
// evidence that led to it. Each rule carries examples that must and must
// not match, so the rule files test themselves.
package classify

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed rules/*.yaml
var builtinRules embed.FS

// Predicate is one condition on a fact field. Exactly one operator is set;
// a field matches when any of its values satisfies the operator.
type Predicate struct {
	Field    string      `yaml:"field"`
	Equals   string      `yaml:"equals,omitempty"`
	In       []string    `yaml:"in,omitempty"`
	Prefix   string      `yaml:"prefix,omitempty"`
	Contains string      `yaml:"contains,omitempty"`
	Regex    string      `yaml:"regex,omitempty"`
	Exists   bool        `yaml:"exists,omitempty"`
	AtLeast  *float64    `yaml:"at_least,omitempty"` // numeric value ≥
	Any      []Predicate `yaml:"any,omitempty"`      // any of these (Field unused)
	Fold     bool        `yaml:"ignore_case,omitempty"`

	re *regexp.Regexp
}

// Then is what a rule concludes. String values may use $1..$9 (groups of
// the first regex predicate) and {value} (the first predicate's value).
type Then struct {
	DeviceType      string `yaml:"device_type,omitempty"`
	Vendor          string `yaml:"vendor,omitempty"`
	Model           string `yaml:"model,omitempty"`
	OS              string `yaml:"os,omitempty"`
	SoftwareVersion string `yaml:"software_version,omitempty"`
}

// Example is a fact set a rule must (or must not) match.
type Example map[string][]string

// Rule is one declarative classification rule.
type Rule struct {
	ID          string      `yaml:"id"`
	Description string      `yaml:"description"`
	When        []Predicate `yaml:"when"`
	Unless      []Predicate `yaml:"unless,omitempty"`
	Then        Then        `yaml:"then"`
	Confidence  float64     `yaml:"confidence"`
	// Evidence says how the rule was verified: "corpus" (real public
	// captures), "generated" (captures made from vendors' published
	// protocol documentation), "documented" (vendor or standard
	// documentation only).
	Evidence string    `yaml:"evidence"`
	Source   string    `yaml:"source,omitempty"`
	Examples []Example `yaml:"examples"`
	Counter  []Example `yaml:"counter_examples,omitempty"`

	set *RuleSet
}

// TypeInfo describes a device type: its ledger kind and clinical profile.
type TypeInfo struct {
	Label          string `yaml:"label"`
	Kind           string `yaml:"kind"`
	FDAClass       int    `yaml:"fda_class,omitempty"`
	LifeSupporting bool   `yaml:"life_supporting,omitempty"`
	Disruption     string `yaml:"disruption,omitempty"`
	PHI            string `yaml:"phi,omitempty"`
	Medical        bool   `yaml:"medical,omitempty"`
	// Parent is a more general type: evidence for the parent also supports
	// this type once something says which child it is.
	Parent string `yaml:"parent,omitempty"`
}

// MedicalMaker is a pattern on OUI organisation names of medical device makers.
type MedicalMaker struct {
	Group   string `yaml:"group"`
	Pattern string `yaml:"pattern"`
	re      *regexp.Regexp
}

// ruleFile is the YAML layout of a rules file.
type ruleFile struct {
	Types         map[string]TypeInfo `yaml:"types,omitempty"`
	MedicalMakers []MedicalMaker      `yaml:"medical_makers,omitempty"`
	BACnetVendors map[int]string      `yaml:"bacnet_vendors,omitempty"`
	// ValueMaps translate matched values in conclusions: "{map:NAME}".
	ValueMaps map[string]map[string]string `yaml:"value_maps,omitempty"`
	Rules     []Rule                       `yaml:"rules,omitempty"`
}

// RuleSet is a loaded, compiled set of rules.
type RuleSet struct {
	Rules         []*Rule
	Types         map[string]TypeInfo
	MedicalMakers []MedicalMaker
	BACnetVendors map[int]string
	ValueMaps     map[string]map[string]string
}

// NewRuleSet returns an empty rule set.
func NewRuleSet() *RuleSet {
	return &RuleSet{Types: map[string]TypeInfo{}, BACnetVendors: map[int]string{}, ValueMaps: map[string]map[string]string{}}
}

// Builtin loads the rules shipped with the binary.
func Builtin() (*RuleSet, error) {
	rs := NewRuleSet()
	if err := rs.LoadFS(builtinRules, "rules"); err != nil {
		return nil, err
	}
	return rs, nil
}

// LoadFS adds every *.yaml file of dir in fsys.
func (rs *RuleSet) LoadFS(fsys fs.FS, dir string) error {
	names, err := fs.Glob(fsys, filepath.ToSlash(filepath.Join(dir, "*.yaml")))
	if err != nil {
		return fmt.Errorf("list rules: %w", err)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return fmt.Errorf("read rules %s: %w", n, err)
		}
		if err := rs.Load(n, bytes.NewReader(b)); err != nil {
			return err
		}
	}
	return nil
}

// Load adds the rules of one YAML document; unknown fields are errors.
func (rs *RuleSet) Load(name string, r io.Reader) error {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil && err != io.EOF {
		return fmt.Errorf("rules %s: %w", name, err)
	}
	for k, v := range f.Types {
		rs.Types[k] = v
	}
	for id, v := range f.BACnetVendors {
		rs.BACnetVendors[id] = v
	}
	for n, m := range f.ValueMaps {
		rs.ValueMaps[n] = m
	}
	for _, m := range f.MedicalMakers {
		re, err := regexp.Compile("(?i)" + m.Pattern)
		if err != nil {
			return fmt.Errorf("rules %s: medical maker %s: %w", name, m.Group, err)
		}
		m.re = re
		rs.MedicalMakers = append(rs.MedicalMakers, m)
	}
	seen := map[string]bool{}
	for _, r := range rs.Rules {
		seen[r.ID] = true
	}
	for i := range f.Rules {
		r := &f.Rules[i]
		if r.ID == "" || seen[r.ID] {
			return fmt.Errorf("rules %s: rule %d: missing or duplicate id %q", name, i, r.ID)
		}
		seen[r.ID] = true
		if len(r.When) == 0 {
			return fmt.Errorf("rules %s: rule %s: no conditions", name, r.ID)
		}
		if r.Confidence <= 0 || r.Confidence > 1 {
			return fmt.Errorf("rules %s: rule %s: confidence %v not in (0, 1]", name, r.ID, r.Confidence)
		}
		switch r.Evidence {
		case "corpus", "generated", "documented":
		default:
			return fmt.Errorf("rules %s: rule %s: evidence %q must be corpus, generated or documented", name, r.ID, r.Evidence)
		}
		if r.Then == (Then{}) {
			return fmt.Errorf("rules %s: rule %s: concludes nothing", name, r.ID)
		}
		if len(r.Examples) == 0 {
			return fmt.Errorf("rules %s: rule %s: needs at least one example", name, r.ID)
		}
		for j := range r.When {
			if err := compile(&r.When[j]); err != nil {
				return fmt.Errorf("rules %s: rule %s: %w", name, r.ID, err)
			}
		}
		for j := range r.Unless {
			if err := compile(&r.Unless[j]); err != nil {
				return fmt.Errorf("rules %s: rule %s: %w", name, r.ID, err)
			}
		}
		r.set = rs
		rs.Rules = append(rs.Rules, r)
	}
	return nil
}

func compile(p *Predicate) error {
	if len(p.Any) > 0 {
		for i := range p.Any {
			if err := compile(&p.Any[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if p.Field == "" {
		return fmt.Errorf("predicate without field")
	}
	ops := 0
	for _, set := range []bool{p.Equals != "", len(p.In) > 0, p.Prefix != "", p.Contains != "", p.Regex != "", p.Exists, p.AtLeast != nil} {
		if set {
			ops++
		}
	}
	if ops != 1 {
		return fmt.Errorf("predicate on %s needs exactly one operator", p.Field)
	}
	if p.Regex != "" {
		expr := p.Regex
		if p.Fold {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return fmt.Errorf("predicate on %s: %w", p.Field, err)
		}
		p.re = re
	}
	return nil
}

// Facts are the values of fact fields ("section.field" → values).
type Facts map[string][]string

// match evaluates p; it returns the matching value and regex groups.
func (p *Predicate) match(f Facts) (bool, string, []string) {
	if len(p.Any) > 0 {
		for i := range p.Any {
			if ok, v, g := p.Any[i].match(f); ok {
				return true, v, g
			}
		}
		return false, "", nil
	}
	for _, v := range f[p.Field] {
		cv, eq := v, p.Equals
		if p.Fold {
			cv, eq = strings.ToLower(v), strings.ToLower(eq)
		}
		switch {
		case p.Exists:
			return true, v, nil
		case p.Equals != "":
			if cv == eq {
				return true, v, nil
			}
		case len(p.In) > 0:
			for _, x := range p.In {
				if cv == x || p.Fold && strings.EqualFold(v, x) {
					return true, v, nil
				}
			}
		case p.Prefix != "":
			if strings.HasPrefix(cv, p.Prefix) || p.Fold && strings.HasPrefix(cv, strings.ToLower(p.Prefix)) {
				return true, v, nil
			}
		case p.Contains != "":
			if strings.Contains(cv, p.Contains) || p.Fold && strings.Contains(cv, strings.ToLower(p.Contains)) {
				return true, v, nil
			}
		case p.re != nil:
			if g := p.re.FindStringSubmatch(v); g != nil {
				return true, v, g
			}
		case p.AtLeast != nil:
			if n, err := strconv.ParseFloat(v, 64); err == nil && n >= *p.AtLeast {
				return true, v, nil
			}
		}
	}
	return false, "", nil
}

// Match is one rule that fired.
type Match struct {
	Rule   *Rule
	Field  string
	Value  string
	Groups []string
}

// Fires reports whether rule r matches f (for tests and explanations).
func (r *Rule) Fires(f Facts) bool {
	_, ok := r.eval(f)
	return ok
}

// Conclusion returns what rule r concludes on f (device type, vendor,
// model, OS, software version with templates filled).
func (r *Rule) Conclusion(f Facts) (Then, bool) {
	m, ok := r.eval(f)
	if !ok {
		return Then{}, false
	}
	return Then{DeviceType: m.expand(r.Then.DeviceType), Vendor: m.expand(r.Then.Vendor), Model: m.expand(r.Then.Model),
		OS: m.expand(r.Then.OS), SoftwareVersion: m.expand(r.Then.SoftwareVersion)}, true
}

// Eval returns the rules that fire on f, in rule order.
func (rs *RuleSet) Eval(f Facts) []Match {
	var out []Match
	for _, r := range rs.Rules {
		if m, ok := r.eval(f); ok {
			out = append(out, m)
		}
	}
	return out
}

func (r *Rule) eval(f Facts) (Match, bool) {
	m := Match{Rule: r}
	for i := range r.When {
		ok, v, g := r.When[i].match(f)
		if !ok {
			return Match{}, false
		}
		if i == 0 {
			m.Field, m.Value = r.When[i].Field, v
			if m.Field == "" && len(r.When[i].Any) > 0 {
				m.Field = anyField(&r.When[i], f)
			}
		}
		if m.Groups == nil && g != nil {
			m.Groups = g
		}
	}
	for i := range r.Unless {
		if ok, _, _ := r.Unless[i].match(f); ok {
			return Match{}, false
		}
	}
	return m, true
}

func anyField(p *Predicate, f Facts) string {
	for i := range p.Any {
		if ok, _, _ := p.Any[i].match(f); ok {
			if p.Any[i].Field != "" {
				return p.Any[i].Field
			}
			return anyField(&p.Any[i], f)
		}
	}
	return ""
}

// expand fills $n and {value} in a conclusion template.
func (m Match) expand(tmpl string) string {
	if tmpl == "" {
		return ""
	}
	s := strings.ReplaceAll(tmpl, "{value}", m.Value)
	for strings.Contains(s, "{map:") {
		i := strings.Index(s, "{map:")
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name := s[i+5 : i+j]
		var v string
		if m.Rule.set != nil {
			v = m.Rule.set.ValueMaps[name][m.Value]
		}
		s = s[:i] + v + s[i+j+1:]
	}
	if strings.Contains(s, "$") {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '$' && i+1 < len(s) && s[i+1] >= '1' && s[i+1] <= '9' {
				n := int(s[i+1] - '0')
				if n < len(m.Groups) {
					b.WriteString(m.Groups[n])
				}
				i++
				continue
			}
			b.WriteByte(s[i])
		}
		s = b.String()
	}
	return strings.TrimSpace(s)
}

// MedicalMaker returns the medical maker group of an OUI organisation name.
func (rs *RuleSet) MedicalMaker(org string) string {
	for _, m := range rs.MedicalMakers {
		if m.re.MatchString(org) {
			return m.Group
		}
	}
	return ""
}
