// Package mask replaces personal data in events before they are stored
// (requirement R2.5): Chinese resident identity card numbers (18 digits with
// their ISO 7064 check character, and the older 15-digit form), mainland
// mobile numbers, bank card numbers (Luhn-valid with a card-network prefix),
// e-mail addresses, configured fields (patient name, medical record number)
// and configured patterns.
//
// Masking is irreversible but keyed: a value becomes a token holding a
// truncated HMAC-SHA256 of the value under the tenant's key, so the same
// value always gives the same token within a tenant (correlation and
// counting still work) while tokens of different tenants do not match and
// cannot be reversed without the key. Every string field is scanned,
// event.original and message included.
package mask

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"regexp"
	"strings"
	"sync"

	"bianque/event"
)

// Kind names a category of personal data; it appears in the token.
type Kind string

// Kinds of personal data.
const (
	KindIDCard   Kind = "idcard"
	KindMobile   Kind = "mobile"
	KindBankCard Kind = "bankcard"
	KindEmail    Kind = "email"
	KindField    Kind = "field"
)

// Pattern is a tenant-specific pattern (e.g. a medical record number).
type Pattern struct {
	Name   string `yaml:"name"`
	Regexp string `yaml:"regexp"`
}

// Config says what to mask for one tenant. The zero value masks nothing;
// Default() masks every built-in kind.
type Config struct {
	IDCard   bool `yaml:"idcard"`
	Mobile   bool `yaml:"mobile"`
	BankCard bool `yaml:"bankcard"`
	Email    bool `yaml:"email"`
	// Fields are event fields whose whole value is personal data (e.g.
	// "hospital.patient.name", "hospital.patient.mrn"); their values are
	// also masked wherever they occur in the event's other strings.
	Fields []string `yaml:"fields"`
	// TextKeys are key names whose value is masked where they appear as
	// key=value or key: value in free text (e.g. "patient_name", "mrn").
	TextKeys []string `yaml:"text_keys"`
	// Patterns are extra regular expressions whose matches are masked.
	Patterns []Pattern `yaml:"patterns"`
	// Skip lists fields never scanned (e.g. hashes of files).
	Skip []string `yaml:"skip"`
}

// Default returns a configuration masking all built-in kinds.
func Default() Config { return Config{IDCard: true, Mobile: true, BankCard: true, Email: true} }

// Masker masks values with one tenant's key and configuration. It is safe
// for concurrent use.
type Masker struct {
	cfg      Config
	fields   map[string]bool
	skip     map[string]bool
	textKeys []string
	patterns []namedRegexp
	pool     sync.Pool // hash.Hash
}

type namedRegexp struct {
	name string
	re   *regexp.Regexp
}

// New returns a masker keyed with key (at least 16 bytes).
func New(key []byte, cfg Config) (*Masker, error) {
	if len(key) < 16 {
		return nil, fmt.Errorf("mask: key must be at least 16 bytes, got %d", len(key))
	}
	m := &Masker{cfg: cfg, fields: map[string]bool{}, skip: map[string]bool{}}
	for _, f := range cfg.Fields {
		m.fields[f] = true
	}
	for _, f := range cfg.Skip {
		m.skip[f] = true
	}
	for _, k := range cfg.TextKeys {
		if k != "" {
			m.textKeys = append(m.textKeys, k)
		}
	}
	for _, p := range cfg.Patterns {
		re, err := regexp.Compile(p.Regexp)
		if err != nil {
			return nil, fmt.Errorf("mask: pattern %q: %w", p.Name, err)
		}
		m.patterns = append(m.patterns, namedRegexp{name: p.Name, re: re})
	}
	k := append([]byte(nil), key...)
	m.pool.New = func() any { return hmac.New(sha256.New, k) }
	return m, nil
}

// Token returns the token for value of the given kind: "[kind:hex]" with 12
// hex digits (48 bits) of HMAC-SHA256(key, kind ":" value).
func (m *Masker) Token(kind Kind, value string) string {
	h := m.pool.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte(kind))
	h.Write([]byte{':'})
	h.Write([]byte(value))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	m.pool.Put(h)
	var b [2 + 16 + 12 + 1]byte
	out := append(b[:0], '[')
	out = append(out, kind...)
	out = append(out, ':')
	out = hex.AppendEncode(out, sum[:6])
	out = append(out, ']')
	return string(out)
}

// Stats counts what was masked.
type Stats map[Kind]int

// Event masks e in place and returns how many values were replaced.
func (m *Masker) Event(e *event.Event) int {
	n := 0
	// Whole-value fields first, remembering their values for the text pass.
	var secrets []string
	for f := range m.fields {
		v, ok := e.String(f)
		if !ok || v == "" {
			continue
		}
		secrets = append(secrets, v)
		e.Set(f, m.Token(KindField, v))
		n++
	}
	type change struct {
		key string
		val any
	}
	var changes []change
	e.Range(func(k string, v any) bool {
		if m.fields[k] || m.skip[k] {
			return true
		}
		switch x := v.(type) {
		case string:
			if s, c := m.text(x, secrets); c > 0 {
				changes = append(changes, change{k, s})
				n += c
			}
		case []string:
			var out []string
			for i, s := range x {
				if ms, c := m.text(s, secrets); c > 0 {
					if out == nil {
						out = append([]string(nil), x...)
					}
					out[i] = ms
					n += c
				}
			}
			if out != nil {
				changes = append(changes, change{k, out})
			}
		case map[string]any:
			if c := m.object(x, secrets); c > 0 {
				n += c
			}
		case []any:
			for i, el := range x {
				switch y := el.(type) {
				case string:
					if ms, c := m.text(y, secrets); c > 0 {
						x[i] = ms
						n += c
					}
				case map[string]any:
					n += m.object(y, secrets)
				}
			}
		}
		return true
	})
	for _, c := range changes {
		e.Set(c.key, c.val)
	}
	return n
}

func (m *Masker) object(o map[string]any, secrets []string) int {
	n := 0
	for k, v := range o {
		switch x := v.(type) {
		case string:
			if s, c := m.text(x, secrets); c > 0 {
				o[k] = s
				n += c
			}
		case map[string]any:
			n += m.object(x, secrets)
		}
	}
	return n
}

// String masks the personal data found in free text.
func (m *Masker) String(s string) (string, int) { return m.text(s, nil) }

func (m *Masker) text(s string, secrets []string) (string, int) {
	n := 0
	for _, sec := range secrets {
		if len(sec) >= 2 && strings.Contains(s, sec) {
			c := strings.Count(s, sec)
			s = strings.ReplaceAll(s, sec, m.Token(KindField, sec))
			n += c
		}
	}
	if len(m.textKeys) > 0 {
		var c int
		s, c = m.keyed(s)
		n += c
	}
	if m.cfg.IDCard || m.cfg.Mobile || m.cfg.BankCard {
		var c int
		s, c = m.digits(s)
		n += c
	}
	if m.cfg.Email && strings.IndexByte(s, '@') >= 0 {
		var c int
		s, c = m.emails(s)
		n += c
	}
	for _, p := range m.patterns {
		if locs := p.re.FindAllStringIndex(s, -1); locs != nil {
			s = p.re.ReplaceAllStringFunc(s, func(v string) string {
				if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
					return v
				}
				return m.Token(Kind(p.name), v)
			})
			n += len(locs)
		}
	}
	return s, n
}

// keyed masks the value after "key=" / "key: " / key="..." for TextKeys.
func (m *Masker) keyed(s string) (string, int) {
	n := 0
	for _, k := range m.textKeys {
		from := 0
		for {
			i := strings.Index(s[from:], k)
			if i < 0 {
				break
			}
			i += from
			j := i + len(k)
			if i > 0 && isWordByte(s[i-1]) {
				from = j
				continue
			}
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j >= len(s) || (s[j] != '=' && s[j] != ':') {
				from = i + len(k)
				continue
			}
			j++
			for j < len(s) && s[j] == ' ' {
				j++
			}
			vs, ve := j, j
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				q := s[j]
				vs = j + 1
				ve = strings.IndexByte(s[vs:], q)
				if ve < 0 {
					ve = len(s)
				} else {
					ve += vs
				}
			} else {
				for ve < len(s) && s[ve] != ' ' && s[ve] != ',' && s[ve] != ';' && s[ve] != '&' && s[ve] != '\t' && s[ve] != '\n' {
					ve++
				}
			}
			if ve > vs && !(s[vs] == '[' && strings.HasPrefix(s[vs:], "[field:")) {
				tok := m.Token(KindField, s[vs:ve])
				s = s[:vs] + tok + s[ve:]
				n++
				from = vs + len(tok)
			} else {
				from = ve
			}
			if from >= len(s) {
				break
			}
		}
	}
	return s, n
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digits scans runs of digits (and the card forms with single spaces or
// dashes between groups) and masks those that are identity card, mobile or
// bank card numbers.
func (m *Masker) digits(s string) (string, int) {
	var b strings.Builder
	last, n := 0, 0
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		// A run must not continue a word, a decimal, an address or a version.
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '.' || s[i-1] == '/' || s[i-1] == '-' && i > 1 && isDigit(s[i-2]) && !(i >= 3 && s[i-3:i-1] == "86")) {
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		end := j
		run := s[i:j]
		kind, ok := Kind(""), false
		// Identity card: 17 digits and a check digit or X.
		if len(run) == 17 && j < len(s) && (s[j] == 'X' || s[j] == 'x') {
			if m.cfg.IDCard && validID18(s[i:j+1]) && boundaryAfter(s, j+1) {
				kind, ok, end = KindIDCard, true, j+1
			}
		} else if boundaryAfter(s, j) {
			switch {
			case len(run) == 18 && m.cfg.IDCard && validID18(run):
				kind, ok = KindIDCard, true
			case len(run) == 15 && m.cfg.IDCard && validID15(run):
				kind, ok = KindIDCard, true
			case len(run) == 11 && m.cfg.Mobile && validMobile(run):
				kind, ok = KindMobile, true
			case len(run) >= 13 && len(run) <= 19 && m.cfg.BankCard && validCard(run):
				kind, ok = KindBankCard, true
			}
		}
		// Grouped card numbers: "6222 0212 3456 7890 123" or with dashes.
		if !ok && m.cfg.BankCard && len(run) == 4 {
			if g, ge := groupedDigits(s, i); len(g) >= 13 && len(g) <= 19 && validCard(g) && boundaryAfter(s, ge) {
				kind, ok, end, run = KindBankCard, true, ge, g
			}
		}
		// "+86 13800138000" / "86-13800138000" keep their prefix outside.
		if ok {
			val := s[i:end]
			if kind == KindBankCard {
				val = run
			}
			if kind == KindIDCard {
				val = strings.ToUpper(val)
			}
			b.WriteString(s[last:i])
			b.WriteString(m.Token(kind, val))
			last = end
			n++
		}
		i = end
	}
	if n == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), n
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// boundaryAfter reports that no digit, letter or decimal continues at j.
func boundaryAfter(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	c := s[j]
	if isAlnum(c) {
		return false
	}
	if (c == '.' || c == ':') && j+1 < len(s) && isDigit(s[j+1]) {
		return false
	}
	return true
}

// groupedDigits reads 4-digit groups separated by one space or dash.
func groupedDigits(s string, i int) (string, int) {
	var g []byte
	j := i
	for {
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k-j < 3 || k-j > 6 {
			break
		}
		g = append(g, s[j:k]...)
		j = k
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) && len(g) < 19 {
			j++
			continue
		}
		break
	}
	for j > i && !isDigit(s[j-1]) {
		j--
	}
	return string(g), j
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheck = "10X98765432"

// validID18 checks an 18-character resident identity number: region code,
// a real date of birth and the ISO 7064 MOD 11-2 check character.
func validID18(s string) bool {
	if len(s) != 18 || s[0] < '1' || s[0] > '9' {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if !isDigit(s[i]) {
			return false
		}
		sum += int(s[i]-'0') * idWeights[i]
	}
	c := s[17]
	if c == 'x' {
		c = 'X'
	}
	if idCheck[sum%11] != c {
		return false
	}
	return validDate(atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14]), 1900, 2100)
}

// validID15 checks the 15-digit identity number issued before 1999: region
// code and a real date of birth in 19YY.
func validID15(s string) bool {
	if len(s) != 15 || s[0] < '1' || s[0] > '9' {
		return false
	}
	return validDate(1900+atoi(s[6:8]), atoi(s[8:10]), atoi(s[10:12]), 1900, 2000)
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func validDate(y, m, d, minY, maxY int) bool {
	if y < minY || y >= maxY || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// validMobile checks a mainland mobile number: 1, then 3-9, then 9 digits.
func validMobile(s string) bool { return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' }

// validCard checks a payment card number: a card-network prefix (UnionPay
// 62/81, Visa 4, Mastercard 51-55 and 2221-2720, American Express 34/37,
// JCB 35, Discover 6011/64/65, Diners 36/38) and the Luhn checksum.
func validCard(s string) bool {
	if !cardPrefix(s) {
		return false
	}
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func cardPrefix(s string) bool {
	p2 := atoi(s[:2])
	switch {
	case s[0] == '4':
		return len(s) == 13 || len(s) == 16 || len(s) == 19
	case p2 >= 51 && p2 <= 55:
		return len(s) == 16
	case p2 == 22 || p2 == 23 || p2 == 24 || p2 == 25 || p2 == 26 || p2 == 27:
		p4 := atoi(s[:4])
		return p4 >= 2221 && p4 <= 2720 && len(s) == 16
	case p2 == 34 || p2 == 37:
		return len(s) == 15
	case p2 == 35:
		return len(s) >= 16
	case p2 == 36 || p2 == 38:
		return len(s) >= 14
	case p2 == 62 || p2 == 81:
		return len(s) >= 16
	case strings.HasPrefix(s, "6011") || p2 == 64 || p2 == 65:
		return len(s) >= 16
	}
	return false
}

// emails masks addresses local@domain.tld.
func (m *Masker) emails(s string) (string, int) {
	var b strings.Builder
	last, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		ls := i
		for ls > 0 && isLocalByte(s[ls-1]) {
			ls--
		}
		de := i + 1
		dots := 0
		for de < len(s) && (isAlnum(s[de]) || s[de] == '-' || s[de] == '.') {
			if s[de] == '.' {
				dots++
			}
			de++
		}
		for de > i+1 && (s[de-1] == '.' || s[de-1] == '-') {
			if s[de-1] == '.' {
				dots--
			}
			de--
		}
		if ls == i || dots == 0 || de <= i+3 || ls < last {
			continue
		}
		// The top-level domain must be letters.
		tld := s[strings.LastIndexByte(s[:de], '.')+1 : de]
		if len(tld) < 2 || !isLetters(tld) {
			continue
		}
		b.WriteString(s[last:ls])
		b.WriteString(m.Token(KindEmail, strings.ToLower(s[ls:de])))
		last = de
		i = de - 1
		n++
	}
	if n == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), n
}

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '-' || c == '+' || c == '%'
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
