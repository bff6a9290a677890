package vuln

import (
	"fmt"
	"net/url"
	"strings"
)

// CPE is a Common Platform Enumeration name (NIST IR 7695): part (a
// application, o operating system, h hardware), vendor, product, version and
// the rest. "*" is ANY and "-" is NA, as in the formatted-string binding.
type CPE struct {
	Part, Vendor, Product, Version, Update, Edition, Language, SwEdition, TargetSW, TargetHW, Other string
}

// ParseCPE reads a CPE 2.3 formatted string ("cpe:2.3:a:apache:http_server:2.4.49:*:…")
// or a CPE 2.2 URI ("cpe:/a:openbsd:openssh:7.4"). Missing trailing
// components are ANY. A bare "product" or "vendor:product" is not a CPE.
func ParseCPE(s string) (CPE, error) {
	s = strings.TrimSpace(s)
	var fields []string
	switch {
	case strings.HasPrefix(strings.ToLower(s), "cpe:2.3:"):
		fields = splitEscaped(s[len("cpe:2.3:"):])
		for i, f := range fields {
			fields[i] = unescape23(f)
		}
	case strings.HasPrefix(strings.ToLower(s), "cpe:/"):
		fields = strings.Split(s[len("cpe:/"):], ":")
		for i, f := range fields {
			if u, err := url.PathUnescape(f); err == nil {
				f = u
			}
			if f == "" {
				f = "*"
			}
			fields[i] = f
		}
		// CPE 2.2 packs the 2.3 extended attributes into edition as ~a~b~c~d~e.
		if len(fields) > 5 && strings.HasPrefix(fields[5], "~") {
			packed := strings.Split(fields[5][1:], "~")
			ext := append(fields[:5:5], packed...)
			if len(fields) > 6 {
				ext = append(ext, fields[6:]...)
			}
			fields = ext
		}
	default:
		return CPE{}, fmt.Errorf("%q is not a CPE name (cpe:2.3:… or cpe:/…)", s)
	}
	if len(fields) == 0 || fields[0] == "" {
		return CPE{}, fmt.Errorf("CPE %q has no part", s)
	}
	get := func(i int) string {
		if i < len(fields) && fields[i] != "" {
			return strings.ToLower(fields[i])
		}
		return "*"
	}
	c := CPE{
		Part: get(0), Vendor: get(1), Product: get(2), Version: get(3), Update: get(4),
		Edition: get(5), Language: get(6), SwEdition: get(7), TargetSW: get(8), TargetHW: get(9), Other: get(10),
	}
	switch c.Part {
	case "a", "o", "h", "*":
	default:
		return CPE{}, fmt.Errorf("CPE %q: part %q must be a, o or h", s, c.Part)
	}
	return c, nil
}

// splitEscaped splits a CPE 2.3 string on ':' not preceded by a backslash.
func splitEscaped(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			cur.WriteByte(s[i])
			cur.WriteByte(s[i+1])
			i++
		case s[i] == ':':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(out, cur.String())
}

func unescape23(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// String renders the CPE as a 2.3 formatted string.
func (c CPE) String() string {
	esc := func(v string) string {
		if v == "" {
			return "*"
		}
		if v == "*" || v == "-" {
			return v
		}
		var b strings.Builder
		for _, r := range v {
			if strings.ContainsRune(`:\!"#$%&'()+,/;<=>@[]^`+"`"+`{|}~`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	parts := []string{c.Part, c.Vendor, c.Product, c.Version, c.Update, c.Edition, c.Language, c.SwEdition, c.TargetSW, c.TargetHW, c.Other}
	for i, p := range parts {
		parts[i] = esc(p)
	}
	return "cpe:2.3:" + strings.Join(parts, ":")
}

// attrMatch compares one attribute of a criterion (pattern, may be ANY or
// contain the wildcards * and ?) with the target's value.
func attrMatch(pattern, value string) bool {
	if pattern == "*" || pattern == "" {
		return true
	}
	if value == "*" || value == "" {
		// An unknown target value matches only ANY: we cannot claim it.
		return false
	}
	if pattern == "-" || value == "-" {
		return pattern == value
	}
	if strings.ContainsAny(pattern, "*?") {
		return wildcard(pattern, value)
	}
	return pattern == value
}

// wildcard matches s against p where * is any run and ? one character.
func wildcard(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildcard(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildcard(p[1:], s[1:])
	}
	return s != "" && p[0] == s[0] && wildcard(p[1:], s[1:])
}

// CompareVersions orders two version strings: -1, 0 or 1. Versions are split
// into numeric and alphabetic runs ("2.4.49" → 2,4,49; "2019b" → 2019,b;
// "9.8p7" → 9,8,p,7); numbers compare as numbers, letters as text, so editions
// like 2019b < 2019c and 1993 < 1995 order as people read them. A missing
// trailing part counts as 0 (1.0 == 1.0.0); a trailing pre-release word
// (alpha, beta, rc, pre, dev) sorts before the release.
func CompareVersions(a, b string) int {
	ta, tb := versionTokens(a), versionTokens(b)
	for i := 0; i < max(len(ta), len(tb)); i++ {
		var x, y vtok
		if i < len(ta) {
			x = ta[i]
		} else {
			x = padFor(tb[i])
		}
		if i < len(tb) {
			y = tb[i]
		} else {
			y = padFor(ta[i])
		}
		if c := x.cmp(y); c != 0 {
			return c
		}
	}
	return 0
}

type vtok struct {
	num   bool
	n     uint64
	s     string
	empty bool // padding for a missing part
}

func (t vtok) cmp(o vtok) int {
	switch {
	case o.empty && !o.num && !t.num:
		if isPreRelease(t.s) {
			return -1
		}
		return 1
	case t.empty && !t.num && !o.num:
		if isPreRelease(o.s) {
			return 1
		}
		return -1
	case t.num && o.num:
		switch {
		case t.n < o.n:
			return -1
		case t.n > o.n:
			return 1
		}
		return 0
	case t.num != o.num:
		// a number against a word: pre-release words sort below everything,
		// padding (missing part) sorts as a release, other words above numbers.
		if t.empty || o.empty {
			w := o
			sign := 1
			if o.empty {
				w, sign = t, -1
			}
			if w.num {
				return -sign * signum(int(w.n))
			}
			if isPreRelease(w.s) {
				return sign
			}
			return -sign
		}
		if t.num {
			if isPreRelease(o.s) {
				return 1
			}
			return -1
		}
		if isPreRelease(t.s) {
			return -1
		}
		return 1
	}
	return strings.Compare(t.s, o.s)
}

func signum(n int) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}

func padFor(t vtok) vtok {
	if t.num {
		return vtok{num: true, empty: true}
	}
	return vtok{empty: true}
}

func isPreRelease(s string) bool {
	for _, p := range []string{"alpha", "beta", "rc", "pre", "dev", "snapshot"} {
		if s == p {
			return true
		}
	}
	return false
}

func versionTokens(v string) []vtok {
	v = strings.ToLower(strings.TrimSpace(v))
	var out []vtok
	i := 0
	for i < len(v) {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			j := i
			var n uint64
			for j < len(v) && v[j] >= '0' && v[j] <= '9' {
				if n < 1<<60 {
					n = n*10 + uint64(v[j]-'0')
				}
				j++
			}
			out = append(out, vtok{num: true, n: n})
			i = j
		case c >= 'a' && c <= 'z':
			j := i
			for j < len(v) && v[j] >= 'a' && v[j] <= 'z' {
				j++
			}
			out = append(out, vtok{s: v[i:j]})
			i = j
		default:
			i++
		}
	}
	return out
}
