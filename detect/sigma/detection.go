package sigma

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"gopkg.in/yaml.v3"
)

// Detection is the detection section of a rule.
type Detection struct {
	// Searches holds the search identifiers by name; Names keeps their order.
	Searches map[string]*Search
	Names    []string
	// Conditions are OR-ed (a condition list); each is parsed and its
	// identifiers resolved against Searches.
	Conditions []*Condition
	// Timeframe is the legacy (Sigma v1) window of an aggregation or near condition.
	Timeframe time.Duration
}

// Search is one search identifier: an OR of alternatives, each an AND of items.
// A map has one alternative; a list of maps one per map; a list of plain
// values is one keyword item.
type Search struct {
	Name         string
	Alternatives [][]*Item
}

// Op is what an item compares.
type Op uint8

// Item operations.
const (
	OpMatch    Op = iota // string patterns (with wildcards), numbers, booleans, null
	OpRegex              // re
	OpCIDR               // cidr
	OpCompare            // lt, lte, gt, gte (optionally on a time part)
	OpExists             // exists: true / false
	OpFieldRef           // fieldref: compare with another field of the event
)

// Comparison of OpCompare items and correlation conditions.
type Comparison uint8

// Comparisons.
const (
	CmpEQ Comparison = iota
	CmpLT
	CmpLTE
	CmpGT
	CmpGTE
	CmpNEQ
)

func (c Comparison) String() string {
	return [...]string{"eq", "lt", "lte", "gt", "gte", "neq"}[c]
}

// Holds reports whether a (cmp) b.
func (c Comparison) Holds(a, b float64) bool {
	switch c {
	case CmpLT:
		return a < b
	case CmpLTE:
		return a <= b
	case CmpGT:
		return a > b
	case CmpGTE:
		return a >= b
	case CmpNEQ:
		return a != b
	}
	return a == b
}

// Item is one field (or keyword) test of a search.
type Item struct {
	// Field is the Sigma field name; empty for a keyword search over the
	// whole event.
	Field     string
	Modifiers []string
	Op        Op
	// All links the values with AND instead of OR.
	All bool
	// Cased makes string matching case-sensitive.
	Cased bool
	// Negate inverts the item (the neq modifier).
	Negate bool
	// TimePart is minute, hour, day, week, month or year when a time
	// modifier extracts a number from a date field.
	TimePart string
	// Cmp is the comparison of an OpCompare item.
	Cmp Comparison
	// Values are linked by OR (or AND with All). Each value is itself an OR
	// of variants produced by expanding modifiers (base64offset, windash).
	Values [][]Value
	Line   int
}

// Value is one value of an item.
type Value struct {
	// Null is the YAML null: the field is absent.
	Null bool
	// Str is the string pattern of an OpMatch value. Numbers and booleans
	// keep their literal text here as well.
	Str String
	// Number is set for numeric values (IsNumber).
	Number   float64
	IsNumber bool
	// Regex is the expression of an OpRegex value, with Flags (i, m, s).
	Regex string
	Flags string
	// Prefix is the network of an OpCIDR value.
	Prefix netip.Prefix
	// Exists is the wanted presence of an OpExists value.
	Exists bool
	// Ref is the other field of an OpFieldRef value.
	Ref string
}

// knownModifiers lists the modifiers of the specification (v2.1) plus the
// legacy utf16 aliases.
var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true,
	"base64": true, "base64offset": true, "utf16le": true, "utf16be": true, "utf16": true, "wide": true,
	"windash": true, "re": true, "i": true, "m": true, "s": true, "cidr": true, "exists": true,
	"cased": true, "neq": true, "lt": true, "lte": true, "gt": true, "gte": true, "fieldref": true,
	"expand": true, "minute": true, "hour": true, "day": true, "week": true, "month": true, "year": true,
}

// MaxVariants bounds the values one modifier chain may expand into (windash
// permutations), so a hostile rule cannot exhaust memory.
const MaxVariants = 4096

func parseDetection(n *yaml.Node) (*Detection, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "detection must be a mapping")
	}
	d := &Detection{Searches: map[string]*Search{}}
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		switch k.Value {
		case "condition":
			condNode = v
			continue
		case "timeframe":
			s, err := scalarString(v, "timeframe")
			if err != nil {
				return nil, err
			}
			if d.Timeframe, err = ParseDuration(s); err != nil {
				return nil, errAt(v, "timeframe: %v", err)
			}
			continue
		}
		if _, dup := d.Searches[k.Value]; dup {
			return nil, errAt(k, "search identifier %q is defined twice", k.Value)
		}
		s, err := parseSearch(k.Value, v)
		if err != nil {
			return nil, err
		}
		d.Searches[k.Value] = s
		d.Names = append(d.Names, k.Value)
	}
	if condNode == nil {
		return nil, errAt(n, "detection has no condition")
	}
	texts, err := stringList(condNode, "condition")
	if err != nil {
		return nil, err
	}
	if len(texts) == 0 {
		return nil, errAt(condNode, "condition is empty")
	}
	for _, t := range texts {
		c, err := ParseCondition(t, d.Names)
		if err != nil {
			return nil, errAt(condNode, "condition %q: %v", t, err)
		}
		d.Conditions = append(d.Conditions, c)
	}
	return d, nil
}

func parseSearch(name string, n *yaml.Node) (*Search, error) {
	s := &Search{Name: name}
	switch n.Kind {
	case yaml.MappingNode:
		items, err := parseMap(n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		s.Alternatives = [][]*Item{items}
	case yaml.SequenceNode:
		var keywords []*yaml.Node
		flushKeywords := func() error {
			if len(keywords) == 0 {
				return nil
			}
			it, err := parseItem("", nil, &yaml.Node{Kind: yaml.SequenceNode, Content: keywords, Line: keywords[0].Line})
			if err != nil {
				return err
			}
			s.Alternatives = append(s.Alternatives, []*Item{it})
			keywords = nil
			return nil
		}
		for _, c := range n.Content {
			c = resolveAlias(c)
			switch c.Kind {
			case yaml.ScalarNode:
				keywords = append(keywords, c)
			case yaml.MappingNode:
				if err := flushKeywords(); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				items, err := parseMap(c)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				s.Alternatives = append(s.Alternatives, items)
			default:
				return nil, errAt(c, "%s: a list element must be a value or a mapping", name)
			}
		}
		if err := flushKeywords(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(s.Alternatives) == 0 {
			return nil, errAt(n, "search identifier %q is an empty list", name)
		}
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, errAt(n, "search identifier %q is empty", name)
		}
		it, err := parseItem("", nil, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		s.Alternatives = [][]*Item{{it}}
	default:
		return nil, errAt(n, "search identifier %q must be a mapping or a list", name)
	}
	return s, nil
}

func parseMap(n *yaml.Node) ([]*Item, error) {
	items := make([]*Item, 0, len(n.Content)/2)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, errAt(k, "field name must be a string")
		}
		if seen[k.Value] {
			return nil, errAt(k, "field %q appears twice in one map (the second would silently replace the first)", k.Value)
		}
		seen[k.Value] = true
		parts := strings.Split(k.Value, "|")
		it, err := parseItem(parts[0], parts[1:], v)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, errAt(n, "empty map")
	}
	return items, nil
}

// parseItem builds an item from a field name, its modifiers and the YAML value.
func parseItem(field string, mods []string, v *yaml.Node) (*Item, error) {
	it := &Item{Field: field, Modifiers: mods, Line: v.Line}
	// First pass: the type modifiers decide how values are read.
	var transforms []string
	var reFlags []string
	for i, m := range mods {
		if !knownModifiers[m] {
			return nil, errAt(v, "unknown modifier %q", m)
		}
		switch m {
		case "all":
			it.All = true
		case "cased":
			it.Cased = true
		case "neq":
			it.Negate = true
		case "re":
			if it.Op != OpMatch {
				return nil, errAt(v, "modifier re cannot be combined with %s", opName(it.Op))
			}
			it.Op = OpRegex
		case "i", "m", "s":
			if it.Op != OpRegex || !slices.Contains(mods[:i], "re") {
				return nil, errAt(v, "modifier %s is a sub-modifier of re and must follow it", m)
			}
			reFlags = append(reFlags, m)
		case "cidr":
			if it.Op != OpMatch {
				return nil, errAt(v, "modifier cidr cannot be combined with %s", opName(it.Op))
			}
			it.Op = OpCIDR
		case "exists":
			if it.Op != OpMatch {
				return nil, errAt(v, "modifier exists cannot be combined with %s", opName(it.Op))
			}
			it.Op = OpExists
		case "fieldref":
			if it.Op != OpMatch {
				return nil, errAt(v, "modifier fieldref cannot be combined with %s", opName(it.Op))
			}
			it.Op = OpFieldRef
		case "lt", "lte", "gt", "gte":
			if it.Op != OpMatch {
				return nil, errAt(v, "modifier %s cannot be combined with %s", m, opName(it.Op))
			}
			it.Op = OpCompare
			it.Cmp = map[string]Comparison{"lt": CmpLT, "lte": CmpLTE, "gt": CmpGT, "gte": CmpGTE}[m]
		case "minute", "hour", "day", "week", "month", "year":
			if it.TimePart != "" {
				return nil, errAt(v, "only one time modifier may be used")
			}
			it.TimePart = m
		default:
			transforms = append(transforms, m)
		}
	}
	if it.TimePart != "" && it.Op == OpMatch {
		it.Op = OpCompare
		it.Cmp = CmpEQ
	}
	if it.TimePart != "" && it.Op != OpCompare {
		return nil, errAt(v, "time modifier %s only combines with lt, lte, gt, gte", it.TimePart)
	}
	if field == "" && it.Op != OpMatch && it.Op != OpRegex {
		return nil, errAt(v, "a keyword search cannot use %s", opName(it.Op))
	}
	if it.Op != OpMatch && len(transforms) > 0 {
		return nil, errAt(v, "modifier %s cannot be combined with %s", transforms[0], opName(it.Op))
	}
	if it.Negate && it.Op != OpMatch && it.Op != OpCompare && it.Op != OpFieldRef {
		return nil, errAt(v, "modifier neq cannot be combined with %s", opName(it.Op))
	}
	if it.Cased && it.Op != OpMatch && it.Op != OpFieldRef {
		return nil, errAt(v, "modifier cased only applies to string matching")
	}
	expand := slices.Contains(transforms, "expand")

	var scalars []*yaml.Node
	switch v.Kind {
	case yaml.ScalarNode:
		scalars = []*yaml.Node{v}
	case yaml.SequenceNode:
		for _, c := range v.Content {
			c = resolveAlias(c)
			if c.Kind != yaml.ScalarNode {
				return nil, errAt(c, "field %q: values must be scalars", field)
			}
			scalars = append(scalars, c)
		}
		if len(scalars) == 0 {
			return nil, errAt(v, "field %q has an empty value list", field)
		}
	default:
		return nil, errAt(v, "field %q: value must be a scalar or a list of scalars", field)
	}
	if it.Op == OpExists && len(scalars) != 1 {
		return nil, errAt(v, "exists takes one boolean value")
	}
	flagStr := strings.Join(reFlags, "")
	for _, sc := range scalars {
		val, err := scalarValue(it, sc, expand, flagStr)
		if err != nil {
			return nil, err
		}
		variants := []Value{val}
		if it.Op == OpMatch && !val.Null {
			for _, t := range transforms {
				variants, err = applyTransform(t, variants, sc)
				if err != nil {
					return nil, err
				}
			}
		}
		it.Values = append(it.Values, variants)
	}
	return it, nil
}

func opName(op Op) string {
	return [...]string{"string matching", "re", "cidr", "a numeric comparison", "exists", "fieldref"}[op]
}

func scalarValue(it *Item, sc *yaml.Node, expand bool, flags string) (Value, error) {
	isNull := sc.Tag == "!!null"
	switch it.Op {
	case OpRegex:
		if isNull {
			return Value{}, errAt(sc, "re value must not be null")
		}
		expr := sc.Value
		if _, err := syntax.Parse(expr, syntax.Perl); err != nil {
			return Value{}, errAt(sc, "regular expression %q: %v", expr, err)
		}
		return Value{Regex: expr, Flags: flags}, nil
	case OpCIDR:
		p, err := netip.ParsePrefix(strings.TrimSpace(sc.Value))
		if err != nil {
			if a, aerr := netip.ParseAddr(strings.TrimSpace(sc.Value)); aerr == nil {
				return Value{Prefix: netip.PrefixFrom(a, a.BitLen())}, nil
			}
			return Value{}, errAt(sc, "cidr value %q: %v", sc.Value, err)
		}
		return Value{Prefix: p.Masked()}, nil
	case OpExists:
		switch strings.ToLower(sc.Value) {
		case "true", "yes":
			return Value{Exists: true}, nil
		case "false", "no":
			return Value{Exists: false}, nil
		}
		return Value{}, errAt(sc, "exists takes true or false, not %q", sc.Value)
	case OpFieldRef:
		if isNull || sc.Value == "" {
			return Value{}, errAt(sc, "fieldref needs a field name")
		}
		return Value{Ref: sc.Value}, nil
	case OpCompare:
		f, err := strconv.ParseFloat(strings.TrimSpace(sc.Value), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return Value{}, errAt(sc, "%s needs a number, not %q", it.Cmp, sc.Value)
		}
		return Value{Number: f, IsNumber: true}, nil
	}
	if isNull {
		return Value{Null: true}, nil
	}
	v := Value{}
	switch sc.Tag {
	case "!!int":
		if n, err := strconv.ParseInt(sc.Value, 0, 64); err == nil {
			v.Number, v.IsNumber = float64(n), true
		}
		v.Str = String{{Kind: Literal, Text: sc.Value}}.normalize()
	case "!!float":
		if f, err := strconv.ParseFloat(sc.Value, 64); err == nil {
			v.Number, v.IsNumber = f, true
		}
		v.Str = String{{Kind: Literal, Text: sc.Value}}.normalize()
	case "!!bool":
		v.Str = String{{Kind: Literal, Text: sc.Value}}
	default:
		v.Str = ParseString(sc.Value, expand)
		if it.Negate {
			// neq on a number written as a string still compares numerically.
			if f, err := strconv.ParseFloat(sc.Value, 64); err == nil && !math.IsNaN(f) {
				v.Number, v.IsNumber = f, true
			}
		}
	}
	return v, nil
}

// applyTransform applies one transformation modifier to every variant.
func applyTransform(mod string, in []Value, sc *yaml.Node) ([]Value, error) {
	out := make([]Value, 0, len(in))
	for _, v := range in {
		switch mod {
		case "contains":
			v.Str = v.Str.withStars(true, true)
			v.IsNumber = false
		case "startswith":
			v.Str = v.Str.withStars(false, true)
			v.IsNumber = false
		case "endswith":
			v.Str = v.Str.withStars(true, false)
			v.IsNumber = false
		case "expand":
			// Placeholders were recognised when the value was read.
		case "windash":
			vs, ok := v.Str.windashVariants(MaxVariants)
			if !ok {
				return nil, errAt(sc, "windash on %q gives more than %d variants", sc.Value, MaxVariants)
			}
			for _, s := range vs {
				out = append(out, Value{Str: s})
			}
			continue
		case "base64", "base64offset", "utf16le", "wide", "utf16be", "utf16":
			plain, ok := v.Str.Plain()
			if !ok {
				return nil, errAt(sc, "modifier %s needs a plain value without wildcards or placeholders (apply contains after it)", mod)
			}
			switch mod {
			case "base64":
				out = append(out, Value{Str: String{{Kind: Literal, Text: base64.StdEncoding.EncodeToString([]byte(plain))}}})
			case "base64offset":
				for _, s := range base64Offsets(plain) {
					out = append(out, Value{Str: String{{Kind: Literal, Text: s}}.normalize()})
				}
			default:
				out = append(out, Value{Str: String{{Kind: Literal, Text: encodeUTF16(plain, mod)}}})
			}
			continue
		}
		out = append(out, v)
	}
	if len(out) > MaxVariants {
		return nil, errAt(sc, "value %q expands into more than %d variants", sc.Value, MaxVariants)
	}
	return out, nil
}

// base64Offsets returns the three base64 forms of s as it appears at byte
// offsets 0, 1 and 2 of a longer encoded text, with the characters that
// depend on the surrounding bytes cut off (pySigma's base64offset).
func base64Offsets(s string) []string {
	starts := [3]int{0, 2, 3}
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString(append([]byte(strings.Repeat(" ", i)), s...))
		end := len(enc)
		switch (len(s) + i) % 3 {
		case 1:
			end -= 3
		case 2:
			end -= 2
		}
		if starts[i] >= end {
			continue
		}
		out = append(out, enc[starts[i]:end])
	}
	return out
}

func encodeUTF16(s, mod string) string {
	units := utf16.Encode([]rune(s))
	var b []byte
	if mod == "utf16" {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range units {
		if mod == "utf16be" {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}
