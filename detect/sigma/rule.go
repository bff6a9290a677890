// Package sigma reads Sigma rules (sigma-specification v2, with the legacy
// v1 forms still found in SigmaHQ's repository) into a validated syntax tree:
// detection rules with every value modifier applied, the condition grammar,
// correlation rules, and global filters. It does not evaluate anything; the
// detect package compiles the tree into matchers.
//
// Sigma and the SigmaHQ rules are the work of the Sigma project; the rules are
// licensed under the Detection Rule License 1.1, which requires keeping their
// author and reference attribution (Rule.Author, Rule.References).
package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Kind says what a Sigma document defines.
type Kind uint8

// Document kinds.
const (
	KindDetection   Kind = iota // a detection rule (logsource + detection)
	KindCorrelation             // a correlation (meta) rule
	KindFilter                  // a global filter
)

func (k Kind) String() string {
	switch k {
	case KindCorrelation:
		return "correlation"
	case KindFilter:
		return "filter"
	}
	return "detection"
}

// Levels of a rule, lowest first.
var Levels = []string{"informational", "low", "medium", "high", "critical"}

// LevelRank returns the position of level in Levels, or -1.
func LevelRank(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}

// LogSource selects the logs a rule applies to. Empty fields match anything.
type LogSource struct {
	Product    string `json:"product,omitempty"`
	Category   string `json:"category,omitempty"`
	Service    string `json:"service,omitempty"`
	Definition string `json:"definition,omitempty"`
}

// String renders the log source as product/category/service.
func (l LogSource) String() string {
	parts := make([]string, 0, 3)
	for _, p := range [][2]string{{"product", l.Product}, {"category", l.Category}, {"service", l.Service}} {
		if p[1] != "" {
			parts = append(parts, p[0]+"="+p[1])
		}
	}
	return strings.Join(parts, ",")
}

// Covers reports whether every attribute set in l equals the one in o: a
// filter on l applies to a rule on o.
func (l LogSource) Covers(o LogSource) bool {
	return (l.Product == "" || l.Product == o.Product) &&
		(l.Category == "" || l.Category == o.Category) &&
		(l.Service == "" || l.Service == o.Service)
}

// Related links a rule to another one.
type Related struct {
	ID   string `yaml:"id" json:"id"`
	Type string `yaml:"type" json:"type"`
}

// Rule is one Sigma document: a detection rule, a correlation rule or a filter.
type Rule struct {
	Kind           Kind
	Title          string
	ID             string
	Name           string
	Status         string
	Description    string
	Author         string
	Date           string
	Modified       string
	License        string
	References     []string
	Tags           []string
	FalsePositives []string
	Fields         []string
	Level          string
	Related        []Related
	Scope          []string
	LogSource      LogSource

	Detection   *Detection   // KindDetection
	Correlation *Correlation // KindCorrelation
	Filter      *Filter      // KindFilter

	// Source is where the rule came from (a file path) and Index its
	// position among the documents of that file.
	Source string
	Index  int
}

// Key identifies the rule: its ID, or its name, or source#index when it has neither.
func (r *Rule) Key() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Name != "":
		return r.Name
	}
	return fmt.Sprintf("%s#%d", r.Source, r.Index)
}

// Error is a defect of one rule document.
type Error struct {
	Source string // file
	Index  int    // document index in the file
	Line   int    // 1-based line, 0 when unknown
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		if e.Index > 0 {
			fmt.Fprintf(&b, "#%d", e.Index)
		}
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// nodeError is an error located at a YAML node.
type nodeError struct {
	line int
	msg  string
}

func (e *nodeError) Error() string { return e.msg }

func errAt(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &nodeError{line: line, msg: fmt.Sprintf(format, args...)}
}

// Parse reads every document of a Sigma YAML file. Documents that fail are
// reported in the returned errors (as *Error) without stopping the others.
// A Sigma v1 "action: global" document is merged into the documents that
// follow it, as the old collection format defines.
func Parse(source string, data []byte) ([]*Rule, []error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var rules []*Rule
	var errs []error
	var global *yaml.Node
	for index := 0; ; index++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, &Error{Source: source, Index: index, Msg: "yaml: " + strings.TrimPrefix(err.Error(), "yaml: ")})
			break // the decoder cannot resynchronise after a syntax error
		}
		root := &doc
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				continue
			}
			root = root.Content[0]
		}
		root = resolveAlias(root)
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue
		}
		if root.Kind != yaml.MappingNode {
			errs = append(errs, &Error{Source: source, Index: index, Line: root.Line, Msg: "document is not a YAML mapping"})
			continue
		}
		if a := mapGet(root, "action"); a != nil && a.Kind == yaml.ScalarNode {
			switch a.Value {
			case "global":
				global = root
				continue
			case "reset":
				global = nil
				continue
			case "repeat":
				// "repeat" reuses the previous document with changes; merge onto the global part.
			}
		}
		if global != nil {
			root = mergeMaps(global, root)
		}
		r, err := parseDocument(root)
		if err != nil {
			e := &Error{Source: source, Index: index, Msg: err.Error()}
			var ne *nodeError
			if errors.As(err, &ne) {
				e.Line = ne.line
			}
			errs = append(errs, e)
			continue
		}
		r.Source = source
		r.Index = index
		rules = append(rules, r)
	}
	return rules, errs
}

// mergeMaps returns the deep merge of base and over (over wins on scalars).
func mergeMaps(base, over *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: over.Line, Column: over.Column}
	seen := map[string]bool{}
	for i := 0; i+1 < len(base.Content); i += 2 {
		k, bv := base.Content[i], resolveAlias(base.Content[i+1])
		if k.Value == "action" {
			continue
		}
		seen[k.Value] = true
		if ov := mapGet(over, k.Value); ov != nil {
			if bv.Kind == yaml.MappingNode && ov.Kind == yaml.MappingNode {
				out.Content = append(out.Content, k, mergeMaps(bv, ov))
			} else {
				out.Content = append(out.Content, k, ov)
			}
			continue
		}
		out.Content = append(out.Content, k, bv)
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k := over.Content[i]
		if !seen[k.Value] && k.Value != "action" {
			out.Content = append(out.Content, k, over.Content[i+1])
		}
	}
	return out
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 16; depth++ {
		n = n.Alias
	}
	return n
}

// mapGet returns the value node of key in mapping m.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolveAlias(m.Content[i+1])
		}
	}
	return nil
}

func scalarString(n *yaml.Node, what string) (string, error) {
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", errAt(n, "%s must be a string", what)
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

func stringList(n *yaml.Node, what string) ([]string, error) {
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			c = resolveAlias(c)
			if c.Kind != yaml.ScalarNode {
				return nil, errAt(c, "%s must be a list of strings", what)
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, errAt(n, "%s must be a string or a list of strings", what)
}

func parseDocument(root *yaml.Node) (*Rule, error) {
	r := &Rule{}
	var err error
	str := func(key string, dst *string) {
		if err == nil {
			*dst, err = scalarString(mapGet(root, key), key)
		}
	}
	list := func(key string, dst *[]string) {
		if err == nil {
			*dst, err = stringList(mapGet(root, key), key)
		}
	}
	str("title", &r.Title)
	str("id", &r.ID)
	str("name", &r.Name)
	str("status", &r.Status)
	str("description", &r.Description)
	str("author", &r.Author)
	str("date", &r.Date)
	str("modified", &r.Modified)
	str("license", &r.License)
	str("level", &r.Level)
	list("references", &r.References)
	list("tags", &r.Tags)
	list("falsepositives", &r.FalsePositives)
	list("fields", &r.Fields)
	list("scope", &r.Scope)
	if err != nil {
		return nil, err
	}
	if n := mapGet(root, "related"); n != nil {
		if err := n.Decode(&r.Related); err != nil {
			return nil, errAt(n, "related: %v", err)
		}
	}
	if r.Level != "" && LevelRank(r.Level) < 0 {
		return nil, errAt(mapGet(root, "level"), "level %q is not one of %s", r.Level, strings.Join(Levels, ", "))
	}
	if ls := mapGet(root, "logsource"); ls != nil {
		if ls.Kind != yaml.MappingNode {
			return nil, errAt(ls, "logsource must be a mapping")
		}
		for _, f := range []struct {
			key string
			dst *string
		}{{"product", &r.LogSource.Product}, {"category", &r.LogSource.Category}, {"service", &r.LogSource.Service}, {"definition", &r.LogSource.Definition}} {
			if *f.dst, err = scalarString(mapGet(ls, f.key), "logsource "+f.key); err != nil {
				return nil, err
			}
		}
	}
	det, corr, filt := mapGet(root, "detection"), mapGet(root, "correlation"), mapGet(root, "filter")
	switch {
	case corr != nil:
		r.Kind = KindCorrelation
		if r.Correlation, err = parseCorrelation(corr); err != nil {
			return nil, err
		}
	case filt != nil && det == nil:
		r.Kind = KindFilter
		if r.Filter, err = parseFilter(filt); err != nil {
			return nil, err
		}
	case det != nil:
		r.Kind = KindDetection
		if r.Detection, err = parseDetection(det); err != nil {
			return nil, err
		}
	default:
		return nil, errAt(root, "document has no detection, correlation or filter section")
	}
	if r.Title == "" && r.Kind != KindFilter {
		return nil, errAt(root, "title is missing")
	}
	return r, nil
}

// ParseDuration reads a Sigma time span: a positive number followed by s, m,
// h, d, w, M (30.436875 days) or y (365.2425 days).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("time span %q must be a number followed by s, m, h, d, w, M or y", s)
	}
	num, unit := s[:len(s)-1], s[len(s)-1]
	var n int64
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("time span %q must be a number followed by s, m, h, d, w, M or y", s)
		}
		n = n*10 + int64(c-'0')
		if n > 1e9 {
			return 0, fmt.Errorf("time span %q is too long", s)
		}
	}
	if n <= 0 {
		return 0, fmt.Errorf("time span %q must be greater than zero", s)
	}
	var u time.Duration
	switch unit {
	case 's':
		u = time.Second
	case 'm':
		u = time.Minute
	case 'h':
		u = time.Hour
	case 'd':
		u = 24 * time.Hour
	case 'w':
		u = 7 * 24 * time.Hour
	case 'M':
		u = 2629746 * time.Second
	case 'y':
		u = 31556952 * time.Second
	default:
		return 0, fmt.Errorf("time span %q has unknown unit %q (use s, m, h, d, w, M or y)", s, string(unit))
	}
	if n > int64((1<<62)/u) {
		return 0, fmt.Errorf("time span %q is too long", s)
	}
	return time.Duration(n) * u, nil
}
