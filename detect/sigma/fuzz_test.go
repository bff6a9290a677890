package sigma

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianque/internal/testutil"
)

// corpusSeeds adds up to n rule files of the shared corpus as fuzz seeds.
func corpusSeeds(f *testing.F, n int) {
	dir := filepath.Join(testutil.Corpora(f), "sigma")
	count := 0
	for _, sub := range []string{"rules/windows/process_creation", "rules/linux", "unsupported", "rules-placeholder"} {
		_ = filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") || count >= n {
				return nil
			}
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
				count++
			}
			return nil
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("title: t\nlogsource: {product: windows}\ndetection:\n  sel: {a|contains|all: [x, y]}\n  condition: sel\n"))
	f.Add([]byte("title: c\ncorrelation: {type: temporal, rules: [a, b], group-by: [h], timespan: 5m}\n"))
	f.Add([]byte("title: f\nlogsource: {product: windows}\nfilter: {rules: any, sel: {User: x}, condition: not sel}\n"))
	f.Add([]byte("action: global\ntitle: g\ndetection: {condition: s}\n---\nlogsource: {product: x}\ndetection: {s: {a: 1}}\n"))
	corpusSeeds(f, 40)
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, errs := Parse("fuzz.yml", data)
		for _, e := range errs {
			if e.Error() == "" {
				t.Fatal("empty error")
			}
		}
		for _, r := range rules {
			if r.Kind == KindDetection && (r.Detection == nil || len(r.Detection.Conditions) == 0) {
				t.Fatalf("detection rule without condition: %+v", r)
			}
		}
	})
}

func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		"selection", "1 of selection_* and not 1 of filter_*", "all of them", "(a or b) and not (c and d)",
		"selection | count(TargetUserName) by IpAddress > 10", "a | near b and not c", "any of sel*",
		"not not a", "((((a))))", "a and", "| count()", "1 of", "all of x* or",
	} {
		f.Add(s)
	}
	names := []string{"a", "b", "c", "d", "selection", "selection_1", "filter_x", "sel2", "_hidden"}
	f.Fuzz(func(t *testing.T, cond string) {
		c, err := ParseCondition(cond, names)
		if err != nil {
			return
		}
		// Every reference resolves to a known identifier.
		var walk func(e Expr, depth int)
		walk = func(e Expr, depth int) {
			if depth > 2*MaxConditionDepth+2 {
				t.Fatalf("tree deeper than the limit for %q", cond)
			}
			switch x := e.(type) {
			case Ref:
				if !contains(names, x.Name) {
					t.Fatalf("unknown identifier %q accepted in %q", x.Name, cond)
				}
			case And:
				for _, a := range x.Args {
					walk(a, depth+1)
				}
			case Or:
				for _, a := range x.Args {
					walk(a, depth+1)
				}
			case Not:
				walk(x.Arg, depth+1)
			case Of:
				if len(x.Names) == 0 {
					t.Fatalf("empty 'of' accepted in %q", cond)
				}
			case nil:
				t.Fatalf("nil expression for %q", cond)
			}
		}
		walk(c.Expr, 0)
		if c.Near != nil {
			walk(c.Near, 0)
		}
	})
}

func FuzzParseString(f *testing.F) {
	for _, s := range []string{`C:\Windows\*`, `a\*b\?c\\d`, `%name%\%x%`, `*`, `\`, `a\\*`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, placeholders bool) {
		v := ParseString(s, placeholders)
		// Rendering and parsing again gives the same value.
		again := ParseString(v.Render(placeholders), placeholders)
		if len(again) != len(v) {
			t.Fatalf("%q -> %q -> %#v (was %#v)", s, v.Render(placeholders), again, v)
		}
		for i := range v {
			if v[i] != again[i] {
				t.Fatalf("%q -> %q -> %#v (was %#v)", s, v.Render(placeholders), again, v)
			}
		}
	})
}
