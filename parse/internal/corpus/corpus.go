// Package corpus scores the parser against the labelled cases of the shared
// log corpus: for every case with an expected ECS document it counts the
// expected core ECS leaf fields the parser reproduces.
package corpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"bianque/event"
	"bianque/parse"
	"bianque/parse/ecs"
)

// Case is one labelled message.
type Case struct {
	ID       string
	Source   string // "sekoia" or "elastic"
	Product  string // product label of the corpus
	File     string
	Input    string
	Hint     parse.Hint
	Expected map[string]any // flattened expected leaves
	Dynamic  map[string]bool
}

type manifest struct {
	Entries []struct {
		ID           string `json:"id"`
		Source       string `json:"source"`
		Vendor       string `json:"vendor"`
		Product      string `json:"product"`
		InputFile    string `json:"input_file"`
		ExpectedFile string `json:"expected_file"`
		ExpectedKind string `json:"expected_kind"`
	} `json:"entries"`
}

// Load reads every case with an expected ECS document under dir (the logs
// corpus directory holding manifest.json).
func Load(dir string) ([]Case, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var out []Case
	for _, en := range m.Entries {
		switch {
		case en.ExpectedKind == "sekoia-ecs-json":
			c, err := loadSekoia(dir, en.ID, en.Product, en.InputFile)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		case strings.HasPrefix(en.ExpectedKind, "elastic pipeline test"):
			cs, err := loadElastic(dir, en.ID, en.Product, en.InputFile, en.ExpectedFile)
			if err != nil {
				return nil, err
			}
			out = append(out, cs...)
		}
	}
	return out, nil
}

func loadSekoia(dir, id, product, file string) (Case, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return Case{}, err
	}
	var doc struct {
		Input struct {
			Message any `json:"message"`
		} `json:"input"`
		Expected map[string]any `json:"expected"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return Case{}, fmt.Errorf("%s: %w", file, err)
	}
	var input string
	switch x := doc.Input.Message.(type) {
	case string:
		input = x
	default:
		// A few intakes receive JSON objects; the wire form is their JSON text.
		jb, _ := json.Marshal(x)
		input = string(jb)
	}
	c := Case{ID: id, Source: "sekoia", Product: product, File: file, Input: input, Expected: map[string]any{}}
	flattenExpected("", doc.Expected, c.Expected)
	c.Hint = parse.Hint{Vendor: VendorFor(product), ReceivedAt: refTime}
	return c, nil
}

// refTime is the receive time given to cases: timestamps without a year are
// completed from it.
var refTime = time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)

type elasticConfig struct {
	Dynamic   map[string]string `yaml:"dynamic_fields"`
	Fields    map[string]any    `yaml:"fields"`
	Multiline *struct {
		FirstLine string `yaml:"first_line_pattern"`
	} `yaml:"multiline"`
}

func loadElastic(dir, id, product, input, expected string) ([]Case, error) {
	cfg := elasticConfig{}
	for _, f := range []string{filepath.Join(filepath.Dir(input), "test-common-config.yml"), input + "-config.yml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			continue
		}
		var c elasticConfig
		if err := yaml.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if c.Dynamic != nil {
			if cfg.Dynamic == nil {
				cfg.Dynamic = map[string]string{}
			}
			for k, v := range c.Dynamic {
				cfg.Dynamic[k] = v
			}
		}
		if c.Fields != nil {
			cfg.Fields = c.Fields
		}
		if c.Multiline != nil {
			cfg.Multiline = c.Multiline
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, input))
	if err != nil {
		return nil, err
	}
	var lines []string
	if strings.HasSuffix(input, ".json") {
		// One JSON event per line or a {"events":[...]} document.
		var doc struct {
			Events []json.RawMessage `json:"events"`
		}
		if json.Unmarshal(raw, &doc) == nil && len(doc.Events) > 0 {
			for _, ev := range doc.Events {
				lines = append(lines, string(ev))
			}
		}
	}
	if lines == nil {
		text := strings.TrimRight(string(raw), "\n")
		var first *regexp.Regexp
		if cfg.Multiline != nil {
			first = regexp.MustCompile(cfg.Multiline.FirstLine)
		}
		for _, l := range strings.Split(text, "\n") {
			if first != nil && len(lines) > 0 && !first.MatchString(l) {
				lines[len(lines)-1] += "\n" + l
				continue
			}
			lines = append(lines, l)
		}
	}
	eb, err := os.ReadFile(filepath.Join(dir, expected))
	if err != nil {
		return nil, err
	}
	var exp struct {
		Expected []map[string]any `json:"expected"`
	}
	dec := json.NewDecoder(strings.NewReader(string(eb)))
	dec.UseNumber()
	if err := dec.Decode(&exp); err != nil {
		return nil, fmt.Errorf("%s: %w", expected, err)
	}
	if len(exp.Expected) != len(lines) {
		return nil, fmt.Errorf("%s: %d expected documents for %d events", expected, len(exp.Expected), len(lines))
	}
	hint := parse.Hint{Vendor: VendorFor(product), ReceivedAt: refTime}
	flatFields := map[string]any{}
	flattenExpected("", cfg.Fields, flatFields)
	if tz, _ := flatFields["event.timezone"].(string); tz != "" {
		if loc, ok := parseZone(tz); ok {
			hint.Location = loc
		}
	}
	var out []Case
	for i, l := range lines {
		c := Case{ID: fmt.Sprintf("%s#%d", id, i+1), Source: "elastic", Product: product, File: input, Input: l, Hint: hint, Expected: map[string]any{}, Dynamic: map[string]bool{}}
		flattenExpected("", exp.Expected[i], c.Expected)
		for k := range cfg.Dynamic {
			c.Dynamic[k] = true
		}
		// Fields the test injects into the input document are not parser output.
		flatCfg := map[string]any{}
		flattenExpected("", cfg.Fields, flatCfg)
		for k := range flatCfg {
			c.Dynamic[k] = true
		}
		out = append(out, c)
	}
	return out, nil
}

// parseZone reads "GMT-0200", "+0000", "UTC" or an IANA name.
func parseZone(s string) (*time.Location, bool) {
	t := strings.TrimPrefix(strings.TrimPrefix(s, "GMT"), "UTC")
	if t == "" {
		return time.UTC, true
	}
	if len(t) >= 2 && len(t) <= 3 && (t[0] == '+' || t[0] == '-') {
		if h, err := strconv.Atoi(t[1:]); err == nil {
			off := h * 3600
			if t[0] == '-' {
				off = -off
			}
			return time.FixedZone(s, off), true
		}
	}
	if len(t) == 5 && (t[0] == '+' || t[0] == '-') {
		h, err1 := strconv.Atoi(t[1:3])
		m, err2 := strconv.Atoi(t[3:])
		if err1 == nil && err2 == nil {
			off := h*3600 + m*60
			if t[0] == '-' {
				off = -off
			}
			return time.FixedZone(s, off), true
		}
	}
	loc, err := time.LoadLocation(s)
	return loc, err == nil
}

func flattenExpected(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && !ecsObjectLeaf(p) {
			flattenExpected(p, sub, out)
			continue
		}
		out[p] = v
	}
}

// ecsObjectLeaf reports ECS fields whose object value is compared whole.
func ecsObjectLeaf(p string) bool {
	f, ok := ecs.Lookup(p)
	return ok && (f.Type == ecs.GeoPoint)
}

// Excluded says why an expected ECS field is not scored, or "".
func Excluded(field string) string {
	switch {
	case field == "ecs.version":
		return "schema version of the producing pipeline, not a property of the event"
	case field == "event.ingested", field == "event.created":
		return "time the producing pipeline read the event"
	case field == "tags":
		return "labels set by the test configuration (preserve_original_event)"
	case strings.Contains(field, ".geo.") || strings.HasPrefix(field, "geo."):
		return "GeoIP enrichment (needs a geolocation database)"
	case strings.Contains(field, ".as.") || strings.HasPrefix(field, "as."):
		return "ASN enrichment (needs an ASN database)"
	case strings.HasPrefix(field, "user_agent.") && field != "user_agent.original":
		return "user agent parsing (needs a user-agent database)"
	case strings.HasPrefix(field, "agent."), strings.HasPrefix(field, "data_stream."), strings.HasPrefix(field, "input."), strings.HasPrefix(field, "ecs."):
		return "metadata of the shipping agent"
	}
	return ""
}

// Counted reports whether an expected field is scored: an ECS field that is
// not excluded.
func Counted(field string) bool { return ecs.IsField(field) && Excluded(field) == "" }

// Mismatch is one expected field not reproduced.
type Mismatch struct {
	Field string
	Want  any
	Got   any
}

// Score compares got with the case's expectation.
func Score(c *Case, got *event.Event) (matched, total int, misses []Mismatch) {
	keys := make([]string, 0, len(c.Expected))
	for k := range c.Expected {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !Counted(k) || c.Dynamic[k] {
			continue
		}
		want := c.Expected[k]
		if want == nil {
			continue
		}
		total++
		var g any
		if got != nil {
			g, _ = got.Get(k)
			if g == nil {
				g = gatherObject(got, k)
			}
		}
		if Equal(k, want, g) {
			matched++
		} else {
			misses = append(misses, Mismatch{Field: k, Want: want, Got: g})
		}
	}
	return
}

// gatherObject rebuilds an object value from the dotted keys under prefix.
func gatherObject(e *event.Event, prefix string) any {
	var out map[string]any
	e.Range(func(k string, v any) bool {
		if strings.HasPrefix(k, prefix+".") {
			if out == nil {
				out = map[string]any{}
			}
			out[k[len(prefix)+1:]] = v
		}
		return true
	})
	if out == nil {
		return nil
	}
	return out
}

// Equal compares an expected value with a produced one under the rules of
// the ECS type of field (see docs/parse.md, "Comparison rules").
func Equal(field string, want, got any) bool {
	if got == nil {
		return false
	}
	if field == "message" || field == "event.original" {
		// A trailing line break is the framing of the raw message, which
		// receivers remove.
		if ws, ok := want.(string); ok {
			want = strings.TrimRight(ws, "\r\n")
		}
	}
	f, _ := ecs.Lookup(field)
	wl, wIsList := want.([]any)
	gl := toList(got)
	if wIsList && gl == nil {
		gl = []any{got}
	}
	if wIsList {
		if f.Array || f.Type == ecs.Nested {
			return sameSet(field, f, wl, gl)
		}
		if len(wl) != len(gl) {
			return false
		}
		for i := range wl {
			if !scalarEqual(f.Type, wl[i], gl[i]) {
				return false
			}
		}
		return true
	}
	if len(gl) == 1 {
		return scalarEqual(f.Type, want, gl[0])
	}
	if gl != nil {
		return false
	}
	return scalarEqual(f.Type, want, got)
}

func toList(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return nil
}

func sameSet(field string, f ecs.Field, want, got []any) bool {
	if len(got) == 0 {
		return false
	}
	used := make([]bool, len(got))
	seen := 0
	for _, w := range want {
		found := false
		for i, g := range got {
			if scalarEqual(f.Type, w, g) {
				if !used[i] {
					used[i] = true
					seen++
				}
				found = true
			}
		}
		if !found {
			return false
		}
	}
	// Every produced element must be expected too (duplicates aside).
	for i, g := range got {
		if used[i] {
			continue
		}
		ok := false
		for _, w := range want {
			if scalarEqual(f.Type, w, g) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func scalarEqual(t ecs.Type, want, got any) bool {
	switch t {
	case ecs.Long, ecs.Float:
		wf, ok1 := number(want)
		gf, ok2 := number(got)
		if ok1 && ok2 {
			return wf == gf || math.Abs(wf-gf) <= 1e-9*math.Max(math.Abs(wf), math.Abs(gf))
		}
	case ecs.Date:
		return sameInstant(want, got)
	case ecs.IP:
		ws, _ := text(want)
		gs, _ := text(got)
		wa, err1 := netip.ParseAddr(ws)
		ga, err2 := netip.ParseAddr(gs)
		if err1 == nil && err2 == nil {
			return wa.Unmap() == ga.Unmap()
		}
		return ws == gs
	case ecs.Boolean:
		ws, _ := text(want)
		gs, _ := text(got)
		return strings.EqualFold(ws, gs)
	}
	if wm, ok := want.(map[string]any); ok {
		gm, ok := got.(map[string]any)
		if !ok || len(wm) != len(gm) {
			return false
		}
		for k, wv := range wm {
			gv, ok := gm[k]
			if !ok {
				return false
			}
			ft, _ := ecs.Lookup(k)
			if !scalarEqual(ft.Type, wv, gv) && !Equal(k, wv, gv) {
				return false
			}
		}
		return true
	}
	ws, ok1 := text(want)
	gs, ok2 := text(got)
	return ok1 && ok2 && ws == gs
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func text(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return x.String(), true
	case time.Time:
		return event.FormatTime(x), true
	}
	return event.Stringify(v)
}

// sameInstant compares times as instants, at the precision of the expected
// value: an expectation written to the microsecond matches a time that
// rounds or truncates to that microsecond.
func sameInstant(want, got any) bool {
	ws, ok := text(want)
	if !ok {
		return false
	}
	wt, ok := parse.ParseTime(ws, time.UTC)
	if !ok {
		return false
	}
	var gt time.Time
	switch x := got.(type) {
	case time.Time:
		gt = x
	default:
		gs, ok := text(got)
		if !ok {
			return false
		}
		if gt, ok = parse.ParseTime(gs, time.UTC); !ok {
			return false
		}
	}
	digits := 0
	if i := strings.IndexByte(ws, '.'); i >= 0 {
		for j := i + 1; j < len(ws) && ws[j] >= '0' && ws[j] <= '9'; j++ {
			digits++
		}
	}
	unit := time.Duration(math.Pow10(9 - min(digits, 9)))
	// Producers round or truncate extra digits; either matches.
	return gt.Round(unit).Equal(wt) || gt.Truncate(unit).Equal(wt)
}

// Result aggregates scores.
type Result struct {
	Product  string
	Source   string
	Cases    int
	Matched  int
	Total    int
	Detected int // cases whose vendor was detected without a hint
	Hinted   int // cases that have a vendor hint
}

// Share returns Matched/Total in percent.
func (r Result) Share() float64 {
	if r.Total == 0 {
		return 100
	}
	return 100 * float64(r.Matched) / float64(r.Total)
}

// Run parses every case and aggregates scores per product. detail, when
// not nil, receives each case's mismatches.
func Run(p *parse.Parser, cases []Case, detail func(c *Case, misses []Mismatch, err error)) (map[string]*Result, Result) {
	res := map[string]*Result{}
	var all Result
	for i := range cases {
		c := &cases[i]
		key := c.Source + "/" + c.Product
		r := res[key]
		if r == nil {
			r = &Result{Product: c.Product, Source: c.Source}
			res[key] = r
		}
		ev, err := p.Parse([]byte(c.Input), c.Hint)
		m, t, misses := Score(c, ev)
		r.Cases++
		r.Matched += m
		r.Total += t
		all.Cases++
		all.Matched += m
		all.Total += t
		if c.Hint.Vendor != "" {
			r.Hinted++
			all.Hinted++
			h := c.Hint
			h.Vendor = ""
			if _, v, err := p.Split([]byte(c.Input), h); err == nil && v != nil {
				if want, ok := p.Registry().Lookup(c.Hint.Vendor); ok && want == v {
					r.Detected++
					all.Detected++
				}
			}
		}
		if detail != nil {
			detail(c, misses, err)
		}
	}
	return res, all
}

// Keys returns the result keys sorted.
func Keys(res map[string]*Result) []string {
	keys := make([]string, 0, len(res))
	for k := range res {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ReadLines is a helper for tools: it reads a file's lines.
func ReadLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out, sc.Err()
}

// MarkdownTable renders the per-product scores as the table of docs/parse.md.
func MarkdownTable(res map[string]*Result, all Result) string {
	var b strings.Builder
	b.WriteString("| Source | Product | Item-3 vendor | Cases | Expected ECS fields | Reproduced | Share | Detected without hint |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---:|\n")
	var lt Result
	for _, k := range Keys(res) {
		r := res[k]
		listed := ""
		if ListProducts[r.Product] {
			listed = "yes"
			lt.Cases += r.Cases
			lt.Total += r.Total
			lt.Matched += r.Matched
		}
		det := "–"
		if r.Hinted > 0 {
			det = fmt.Sprintf("%d/%d", r.Detected, r.Hinted)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %d | %.1f%% | %s |\n", r.Source, r.Product, listed, r.Cases, r.Total, r.Matched, r.Share(), det)
	}
	fmt.Fprintf(&b, "| **all** | | | %d | %d | %d | **%.1f%%** | %d/%d |\n", all.Cases, all.Total, all.Matched, all.Share(), all.Detected, all.Hinted)
	fmt.Fprintf(&b, "| **item-3 vendors** | | | %d | %d | %d | **%.1f%%** | |\n", lt.Cases, lt.Total, lt.Matched, lt.Share())
	return b.String()
}

// Table markers in docs/parse.md.
const (
	TableStart = "<!-- corpus-table: generated by go run ./parse/internal/corpusreport; do not edit -->"
	TableEnd   = "<!-- /corpus-table -->"
)
