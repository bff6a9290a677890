package intel

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"bianque"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// MaxBundleSize bounds a STIX bundle read into memory.
const MaxBundleSize = 256 << 20

// stixObject holds the properties of STIX 2.1 objects the importer reads.
type stixObject struct {
	Type              string            `json:"type"`
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Pattern           string            `json:"pattern"`
	PatternType       string            `json:"pattern_type"`
	ValidFrom         string            `json:"valid_from"`
	ValidUntil        string            `json:"valid_until"`
	Labels            []string          `json:"labels"`
	IndicatorTypes    []string          `json:"indicator_types"`
	Confidence        *int              `json:"confidence"`
	Revoked           bool              `json:"revoked"`
	CreatedByRef      string            `json:"created_by_ref"`
	ObjectMarkingRefs []string          `json:"object_marking_refs"`
	RelationshipType  string            `json:"relationship_type"`
	SourceRef         string            `json:"source_ref"`
	TargetRef         string            `json:"target_ref"`
	DefinitionType    string            `json:"definition_type"`
	Definition        json.RawMessage   `json:"definition"`
	Aliases           []string          `json:"aliases"`
	Value             string            `json:"value"`
	Key               string            `json:"key"`
	Hashes            map[string]string `json:"hashes"`
	KillChainPhases   []struct {
		PhaseName string `json:"phase_name"`
	} `json:"kill_chain_phases"`
	ExternalReferences []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
	} `json:"external_references"`
}

// The TLP 2.0 and 1.0 marking definitions have fixed identifiers.
var tlpMarkings = map[string]string{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "tlp:white",
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "tlp:green",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "tlp:amber",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "tlp:red",
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "tlp:clear",
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "tlp:green",
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "tlp:amber",
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "tlp:amber+strict",
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "tlp:red",
}

// ParseSTIX imports the indicators of a STIX 2.1 bundle.
func ParseSTIX(r io.Reader, opts Options) (*Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBundleSize+1))
	if err != nil {
		return nil, fmt.Errorf("read stix bundle: %w", err)
	}
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("stix bundle larger than %d bytes", MaxBundleSize)
	}
	var bundle struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		return nil, fmt.Errorf("decode stix bundle: %w", err)
	}
	if bundle.Type != "bundle" {
		return nil, fmt.Errorf("stix: type is %q, not bundle", bundle.Type)
	}
	return ParseSTIXObjects(bundle.Objects, opts), nil
}

// ParseSTIXObjects imports indicators from STIX 2.1 objects (a bundle's
// objects, or a TAXII envelope's). Relationships "indicates" to malware,
// intrusion sets, threat actors, campaigns and tools become tags, as do TLP
// markings and the indicator's labels.
func ParseSTIXObjects(raw []json.RawMessage, opts Options) *Result {
	res := &Result{}
	objs := make([]stixObject, 0, len(raw))
	byID := map[string]*stixObject{}
	for i, r := range raw {
		var o stixObject
		if err := json.Unmarshal(r, &o); err != nil {
			res.skip(fmt.Sprintf("object %d", i), "not a STIX object: %v", err)
			continue
		}
		objs = append(objs, o)
	}
	for i := range objs {
		byID[objs[i].ID] = &objs[i]
	}
	// Attribution through relationships.
	attrib := map[string][]string{}
	for _, o := range objs {
		if o.Type != "relationship" || o.RelationshipType != "indicates" {
			continue
		}
		t := byID[o.TargetRef]
		if t == nil {
			continue
		}
		switch t.Type {
		case "malware", "intrusion-set", "threat-actor", "campaign", "tool", "attack-pattern":
			name := t.Name
			if t.Type == "attack-pattern" {
				for _, er := range t.ExternalReferences {
					if er.SourceName == "mitre-attack" && er.ExternalID != "" {
						name = er.ExternalID
					}
				}
			}
			if name != "" {
				attrib[o.SourceRef] = append(attrib[o.SourceRef], name)
			}
		}
	}
	for _, o := range objs {
		switch o.Type {
		case "indicator":
			stixIndicator(res, &o, byID, attrib[o.ID], opts)
		case "ipv4-addr", "ipv6-addr", "domain-name", "url", "file", "windows-registry-key":
			// Observables shared on their own (STIX 2.1 SCOs).
			stixObservable(res, &o, opts)
		}
	}
	return res
}

func stixIndicator(res *Result, o *stixObject, byID map[string]*stixObject, attribution []string, opts Options) {
	if o.Revoked {
		res.skip(o.ID, "revoked")
		return
	}
	if o.PatternType != "" && o.PatternType != "stix" {
		res.skip(o.ID, "pattern type %q is not stix", o.PatternType)
		return
	}
	comps, err := ParseSTIXPattern(o.Pattern)
	if err != nil {
		res.skip(o.ID, "pattern: %v", err)
		return
	}
	base := bianque.Indicator{ExternalID: o.ID, Description: strings.TrimSpace(o.Name + ": " + o.Description)}
	base.Description = strings.Trim(base.Description, ": ")
	if o.Confidence != nil {
		base.Confidence = *o.Confidence
	}
	var err2 error
	if base.ValidFrom, err2 = stixTime(o.ValidFrom); err2 != nil {
		res.skip(o.ID, "valid_from: %v", err2)
		return
	}
	if base.ValidUntil, err2 = stixTime(o.ValidUntil); err2 != nil {
		res.skip(o.ID, "valid_until: %v", err2)
		return
	}
	base.Tags = append(base.Tags, o.Labels...)
	base.Tags = append(base.Tags, attribution...)
	for _, m := range o.ObjectMarkingRefs {
		if tlp, ok := tlpMarkings[m]; ok {
			base.Tags = append(base.Tags, tlp)
		} else if md := byID[m]; md != nil && md.DefinitionType == "tlp" {
			var def struct {
				TLP string `json:"tlp"`
			}
			if json.Unmarshal(md.Definition, &def) == nil && def.TLP != "" {
				base.Tags = append(base.Tags, "tlp:"+def.TLP)
			}
		}
	}
	if src := byID[o.CreatedByRef]; src != nil && src.Name != "" {
		base.Source = src.Name
	}
	found := 0
	for _, c := range comps {
		t, v, why := c.indicator()
		if t == "" {
			res.skip(o.ID, "%s", why)
			continue
		}
		in := base
		in.Tags = slices.Clone(base.Tags)
		in.Type, in.Value = t, v
		res.add(&in, o.ID, opts)
		found++
	}
	if found == 0 && len(comps) == 0 {
		res.skip(o.ID, "pattern has no comparison")
	}
}

func stixObservable(res *Result, o *stixObject, opts Options) {
	in := &bianque.Indicator{ExternalID: o.ID}
	switch o.Type {
	case "ipv4-addr", "ipv6-addr":
		in.Type, in.Value = bianque.IndicatorIP, o.Value
		if strings.Contains(o.Value, "/") {
			in.Type = bianque.IndicatorCIDR
		}
	case "domain-name":
		in.Type, in.Value = bianque.IndicatorDomain, o.Value
	case "url":
		in.Type, in.Value = bianque.IndicatorURL, o.Value
	case "windows-registry-key":
		in.Type, in.Value = bianque.IndicatorRegistryKey, o.Key
	case "file":
		added := false
		for alg, h := range o.Hashes {
			if t := hashType(alg); t != "" {
				c := *in
				c.Type, c.Value = t, h
				res.add(&c, o.ID, opts)
				added = true
			}
		}
		if !added {
			res.skip(o.ID, "file observable without MD5, SHA-1 or SHA-256")
		}
		return
	}
	res.add(in, o.ID, opts)
}

func stixTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func hashType(alg string) bianque.IndicatorType {
	switch strings.ToUpper(strings.Trim(alg, `'"`)) {
	case "MD5":
		return bianque.IndicatorMD5
	case "SHA-1", "SHA1":
		return bianque.IndicatorSHA1
	case "SHA-256", "SHA256":
		return bianque.IndicatorSHA256
	}
	return ""
}

// Comparison is one comparison of a STIX pattern.
type Comparison struct {
	Object string   // the object type: ipv4-addr, file, ...
	Path   []string // the property path: value, hashes, SHA-256
	Op     string   // =, !=, IN, ISSUBSET, LIKE, MATCHES, ...
	Values []string // string values (several for IN)
	Not    bool
}

// indicator maps a comparison onto an indicator type and value, or says why not.
func (c Comparison) indicator() (bianque.IndicatorType, string, string) {
	path := c.Object + ":" + strings.Join(c.Path, ".")
	if c.Not {
		return "", "", "negated comparison " + path
	}
	if len(c.Values) != 1 {
		return "", "", fmt.Sprintf("%s %s with %d values", path, c.Op, len(c.Values))
	}
	v := c.Values[0]
	switch c.Op {
	case "=":
	case "ISSUBSET":
		if c.Object == "ipv4-addr" || c.Object == "ipv6-addr" {
			return bianque.IndicatorCIDR, v, ""
		}
		return "", "", "ISSUBSET on " + path
	default:
		return "", "", fmt.Sprintf("operator %s on %s is not an exact indicator", c.Op, path)
	}
	switch {
	case (c.Object == "ipv4-addr" || c.Object == "ipv6-addr") && path == c.Object+":value":
		if strings.Contains(v, "/") {
			return bianque.IndicatorCIDR, v, ""
		}
		return bianque.IndicatorIP, v, ""
	case c.Object == "network-traffic" && (strings.HasSuffix(path, "dst_ref.value") || strings.HasSuffix(path, "src_ref.value")):
		if GuessType(v) == bianque.IndicatorIP {
			return bianque.IndicatorIP, v, ""
		}
		return bianque.IndicatorDomain, v, ""
	case path == "domain-name:value":
		return bianque.IndicatorDomain, v, ""
	case path == "url:value":
		return bianque.IndicatorURL, v, ""
	case c.Object == "file" && len(c.Path) == 2 && c.Path[0] == "hashes":
		if t := hashType(c.Path[1]); t != "" {
			return t, v, ""
		}
		return "", "", "file hash " + c.Path[1] + " is not MD5, SHA-1 or SHA-256"
	case (path == "file:name" || path == "file:parent_directory_ref.path" || path == "directory:path") && hasPathSeparator(v):
		return bianque.IndicatorFilePath, v, ""
	case path == "windows-registry-key:key":
		return bianque.IndicatorRegistryKey, v, ""
	}
	return "", "", "unsupported property " + path
}

// ParseSTIXPattern returns the comparisons of a STIX 2.1 pattern. Every
// comparison is returned whatever joins it (AND, OR, FOLLOWEDBY): the
// importer turns each usable one into an indicator of its own.
func ParseSTIXPattern(p string) ([]Comparison, error) {
	lx := &patternLexer{s: p}
	toks, err := lx.all()
	if err != nil {
		return nil, err
	}
	pp := &patternParser{toks: toks}
	if err := pp.pattern(0); err != nil {
		return nil, err
	}
	if pp.pos != len(toks) {
		return nil, fmt.Errorf("unexpected %q", toks[pp.pos].text)
	}
	return pp.out, nil
}

type ptok struct {
	kind byte // 'w' word, 's' string, 'p' punctuation, 'n' number
	text string
}

type patternLexer struct {
	s   string
	pos int
}

func (l *patternLexer) all() ([]ptok, error) {
	var out []ptok
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.pos++
		case c == '\'':
			s, err := l.quoted()
			if err != nil {
				return nil, err
			}
			out = append(out, ptok{'s', s})
		case (c == 't' || c == 'b' || c == 'h') && l.pos+1 < len(l.s) && l.s[l.pos+1] == '\'':
			l.pos++
			s, err := l.quoted()
			if err != nil {
				return nil, err
			}
			out = append(out, ptok{'s', s})
		case strings.IndexByte("[]()=,:*", c) >= 0:
			out = append(out, ptok{'p', string(c)})
			l.pos++
		case c == '!' || c == '<' || c == '>':
			j := l.pos + 1
			if j < len(l.s) && l.s[j] == '=' {
				j++
			}
			out = append(out, ptok{'p', l.s[l.pos:j]})
			l.pos = j
		case c == '.':
			out = append(out, ptok{'p', "."})
			l.pos++
		case c == '-' || c >= '0' && c <= '9':
			j := l.pos + 1
			for j < len(l.s) && (l.s[j] >= '0' && l.s[j] <= '9' || l.s[j] == '.') {
				j++
			}
			out = append(out, ptok{'n', l.s[l.pos:j]})
			l.pos = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := l.pos
			for j < len(l.s) && (l.s[j] == '_' || l.s[j] == '-' || l.s[j] >= 'a' && l.s[j] <= 'z' || l.s[j] >= 'A' && l.s[j] <= 'Z' || l.s[j] >= '0' && l.s[j] <= '9') {
				j++
			}
			out = append(out, ptok{'w', l.s[l.pos:j]})
			l.pos = j
		default:
			return nil, fmt.Errorf("unexpected character %q at %d", c, l.pos)
		}
		if len(out) > 100000 {
			return nil, fmt.Errorf("pattern too long")
		}
	}
	return out, nil
}

func (l *patternLexer) quoted() (string, error) {
	start := l.pos
	l.pos++ // opening quote
	var b strings.Builder
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		switch c {
		case '\\':
			if l.pos+1 >= len(l.s) {
				return "", fmt.Errorf("unterminated string at %d", start)
			}
			b.WriteByte(l.s[l.pos+1])
			l.pos += 2
		case '\'':
			l.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	return "", fmt.Errorf("unterminated string at %d", start)
}

type patternParser struct {
	toks  []ptok
	pos   int
	out   []Comparison
	depth int
}

func (p *patternParser) peek() (ptok, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return ptok{}, false
}

func (p *patternParser) is(kind byte, text string) bool {
	t, ok := p.peek()
	return ok && t.kind == kind && strings.EqualFold(t.text, text)
}

// pattern := observation ((AND|OR|FOLLOWEDBY) observation)* qualifiers
func (p *patternParser) pattern(depth int) error {
	if depth > 64 {
		return fmt.Errorf("pattern nested too deep")
	}
	for {
		if err := p.observation(depth); err != nil {
			return err
		}
		p.qualifiers()
		if p.is('w', "AND") || p.is('w', "OR") || p.is('w', "FOLLOWEDBY") {
			p.pos++
			continue
		}
		return nil
	}
}

func (p *patternParser) qualifiers() {
	for {
		switch {
		case p.is('w', "WITHIN") && p.pos+2 < len(p.toks):
			p.pos += 3 // WITHIN n SECONDS
		case p.is('w', "REPEATS") && p.pos+2 < len(p.toks):
			p.pos += 3 // REPEATS n TIMES
		case p.is('w', "START") && p.pos+3 < len(p.toks):
			p.pos += 4 // START t'..' STOP t'..'
		default:
			return
		}
	}
}

func (p *patternParser) observation(depth int) error {
	switch {
	case p.is('p', "("):
		p.pos++
		if err := p.pattern(depth + 1); err != nil {
			return err
		}
		if !p.is('p', ")") {
			return fmt.Errorf("missing ')'")
		}
		p.pos++
		return nil
	case p.is('p', "["):
		p.pos++
		if err := p.comparisons(depth + 1); err != nil {
			return err
		}
		if !p.is('p', "]") {
			return fmt.Errorf("missing ']'")
		}
		p.pos++
		return nil
	}
	if t, ok := p.peek(); ok {
		return fmt.Errorf("expected '[' or '(', got %q", t.text)
	}
	return fmt.Errorf("pattern ends too early")
}

// comparisons := comparison ((AND|OR) comparison)*
func (p *patternParser) comparisons(depth int) error {
	if depth > 64 {
		return fmt.Errorf("pattern nested too deep")
	}
	for {
		if p.is('p', "(") {
			p.pos++
			if err := p.comparisons(depth + 1); err != nil {
				return err
			}
			if !p.is('p', ")") {
				return fmt.Errorf("missing ')'")
			}
			p.pos++
		} else if err := p.comparison(); err != nil {
			return err
		}
		if p.is('w', "AND") || p.is('w', "OR") {
			p.pos++
			continue
		}
		return nil
	}
}

func (p *patternParser) comparison() error {
	c := Comparison{}
	t, ok := p.peek()
	if !ok || t.kind != 'w' {
		return fmt.Errorf("expected an object path")
	}
	c.Object = t.text
	p.pos++
	if !p.is('p', ":") {
		return fmt.Errorf("expected ':' after %s", c.Object)
	}
	p.pos++
	// Property path: name ('.' name | '[' index ']')*, names may be quoted.
	for {
		t, ok := p.peek()
		if !ok || (t.kind != 'w' && t.kind != 's') {
			return fmt.Errorf("expected a property after %s:", c.Object)
		}
		c.Path = append(c.Path, t.text)
		p.pos++
		for p.is('p', "[") {
			p.pos += 2 // index or '*'
			if !p.is('p', "]") {
				return fmt.Errorf("missing ']' in path")
			}
			p.pos++
		}
		if p.is('p', ".") {
			p.pos++
			continue
		}
		break
	}
	if p.is('w', "NOT") {
		c.Not = true
		p.pos++
	}
	op, ok := p.peek()
	if !ok {
		return fmt.Errorf("expected an operator")
	}
	switch {
	case op.kind == 'p' && (op.text == "=" || op.text == "!=" || op.text == "<" || op.text == ">" || op.text == "<=" || op.text == ">="):
		c.Op = op.text
		if op.text == "!=" {
			c.Op, c.Not = "=", !c.Not
		}
	case op.kind == 'w':
		c.Op = strings.ToUpper(op.text)
		switch c.Op {
		case "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS":
		default:
			return fmt.Errorf("unknown operator %q", op.text)
		}
	default:
		return fmt.Errorf("unknown operator %q", op.text)
	}
	p.pos++
	if c.Op == "IN" {
		if !p.is('p', "(") {
			return fmt.Errorf("IN needs a list")
		}
		p.pos++
		for {
			v, ok := p.peek()
			if !ok || (v.kind != 's' && v.kind != 'n' && v.kind != 'w') {
				return fmt.Errorf("bad list element")
			}
			c.Values = append(c.Values, v.text)
			p.pos++
			if p.is('p', ",") {
				p.pos++
				continue
			}
			break
		}
		if !p.is('p', ")") {
			return fmt.Errorf("missing ')' after IN list")
		}
		p.pos++
	} else if c.Op != "EXISTS" {
		v, ok := p.peek()
		if !ok || (v.kind != 's' && v.kind != 'n' && v.kind != 'w') {
			return fmt.Errorf("expected a value after %s", c.Op)
		}
		if v.kind == 'n' {
			if _, err := strconv.ParseFloat(v.text, 64); err != nil {
				return fmt.Errorf("bad number %q", v.text)
			}
		}
		c.Values = []string{v.text}
		p.pos++
	}
	p.out = append(p.out, c)
	return nil
}
