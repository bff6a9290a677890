package detect

import (
	"regexp"
	"strings"
	"testing"

	"bianque/detect/sigma"
)

// globRegexp is the reference: the same pattern as an anchored regular expression.
func globRegexp(s sigma.String) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, t := range s {
		switch t.Kind {
		case sigma.Literal:
			b.WriteString(regexp.QuoteMeta(lowerString(t.Text)))
		case sigma.AnyString:
			b.WriteString(`.*`)
		case sigma.AnyChar:
			b.WriteString(`.`)
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

func TestPatternMatch(t *testing.T) {
	patterns := []string{`*a?`, `a*b*c`, `*\cmd.exe`, `C:\Windows\*`, `*powershell*`, `?`, `a?c`, `*`, ``, `*?abc`, `a**b`, `x*y?z*`, `*.*.*`, `é*Ü`, `\*lit`, `a\?c`}
	values := []string{"", "a", "ab", "xaab", "abc", "aXbYc", `C:\WINDOWS\system32\CMD.EXE`, "PowerShell.exe -enc", "abcabc", "xy1z", "xyz", "1.2.3", "éxÜ", "éxü", "*lit", "a?c", "abcx", "a\u00e9c"}
	for _, ps := range patterns {
		s := sigma.ParseString(ps, false)
		p := compilePattern(s, false)
		re := globRegexp(s)
		for _, v := range values {
			low := lowerString(v)
			if got, want := p.match(low), re.MatchString(low); got != want {
				t.Errorf("pattern %q (kind %d) on %q: got %v, want %v", ps, p.kind, v, got, want)
			}
		}
	}
}

func FuzzGlob(f *testing.F) {
	f.Add(`*a?b*`, "xaybz")
	f.Add(`C:\*\?.exe`, `c:\x\y.exe`)
	f.Fuzz(func(t *testing.T, pattern, value string) {
		s := sigma.ParseString(pattern, false)
		p := compilePattern(s, true)
		p.kind = mGlob
		p.glob = nil
		for _, tk := range s {
			p.glob = append(p.glob, globTok{kind: tk.Kind, lit: tk.Text})
		}
		var b strings.Builder
		b.WriteString(`(?s)^`)
		for _, tk := range s {
			switch tk.Kind {
			case sigma.Literal:
				b.WriteString(regexp.QuoteMeta(tk.Text))
			case sigma.AnyString:
				b.WriteString(`.*`)
			case sigma.AnyChar:
				b.WriteString(`.`)
			}
		}
		b.WriteString(`$`)
		re, err := regexp.Compile(b.String())
		if err != nil {
			return
		}
		if !utf8Valid(value) || !utf8Valid(pattern) {
			return // '?' is one rune; invalid bytes count differently in the reference
		}
		if got, want := p.match(value), re.MatchString(value); got != want {
			t.Fatalf("pattern %q value %q: got %v want %v", pattern, value, got, want)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
