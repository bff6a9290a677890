package cnvendors_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque/event"
	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/cnvendors"
	"bianque/parse/std"
)

// cnCase is one line of the logs-cn corpus manifest.
type cnCase struct {
	ID       string `json:"id"`
	Vendor   string `json:"vendor"`
	Product  string `json:"product"`
	Version  string `json:"product_version"`
	Category string `json:"category"`
	Raw      string `json:"raw"`
	AlsoUsed []any  `json:"also_used_by_parsers"`
	Labelled map[string]struct {
		Value string `json:"value"`
		Key   string `json:"key"`
	} `json:"labelled_fields"`
}

var (
	cnOnce  sync.Once
	cnCases []cnCase
	cnErr   error
)

// loadCNCorpus reads the logs-cn manifest (once per test binary).
func loadCNCorpus(t testing.TB) []cnCase {
	t.Helper()
	cnOnce.Do(func() {
		path := filepath.Join(testutil.Corpora(t), "logs-cn", "manifest.json")
		b, err := os.ReadFile(path)
		if err != nil {
			cnErr = err
			return
		}
		var m struct {
			Cases []cnCase `json:"cases"`
		}
		cnErr = json.Unmarshal(b, &m)
		cnCases = m.Cases
	})
	if os.IsNotExist(cnErr) {
		t.Fatalf("logs-cn corpus: %v", cnErr)
	}
	if cnErr != nil {
		t.Fatalf("logs-cn manifest: %v", cnErr)
	}
	return cnCases
}

// refTime is the receive time given to every line: year-less timestamps
// are completed from it, and it is what a line without any time gets.
var refTime = time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)

var cst = time.FixedZone("CST", 8*3600)

// The checked roles: the acceptance fields, and the others reported.
var (
	strictRoles = []string{"source.ip", "destination.ip", "source.port", "destination.port", "action", "severity"}
	infoRoles   = []string{"attack/rule name", "user", "protocol", "url"}
)

type tally struct {
	lines, vendorOK, productOK, timeOK  int
	fieldOK, fieldTotal, fieldException int
	infoOK, infoTotal                   int
	shared                              int // attribution by a documented shared-format rule
	otherVendor                         int // … naming another vendor than the manifest
}

func (t *tally) add(o tally) {
	t.lines += o.lines
	t.vendorOK += o.vendorOK
	t.productOK += o.productOK
	t.timeOK += o.timeOK
	t.fieldOK += o.fieldOK
	t.fieldTotal += o.fieldTotal
	t.fieldException += o.fieldException
	t.infoOK += o.infoOK
	t.infoTotal += o.infoTotal
	t.shared += o.shared
	t.otherVendor += o.otherVendor
}

// TestCNCorpus parses every line of the logs-cn corpus without a vendor
// hint, as `bianque parse` does, and checks the observer, the timestamp
// and the fields the line carries. It reports per vendor and overall; the
// figures are in docs/parse-cn.md.
func TestCNCorpus(t *testing.T) {
	cases := loadCNCorpus(t)
	cnIDs := map[string]bool{}
	for _, v := range cnvendors.Vendors() {
		cnIDs[v.ID] = true
	}
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(refTime)})
	perVendor := map[string]*tally{}
	var all tally
	var failures []string
	var exceptions []string
	only := os.Getenv("CN_VENDOR") // while developing: report one vendor's failures
	fail := func(c *cnCase, format string, args ...any) {
		if only != "" && !strings.Contains(c.Vendor, only) {
			return
		}
		failures = append(failures, fmt.Sprintf("%s [%s/%s] ", c.ID, c.Vendor, c.Product)+fmt.Sprintf(format, args...))
	}
	for i := range cases {
		c := &cases[i]
		ev, err := p.Parse([]byte(c.Raw), parse.Hint{ReceivedAt: refTime})
		if ev == nil {
			fail(c, "no event: %v", err)
			continue
		}
		if err != nil {
			fail(c, "error: %v", err)
		}
		var tl tally
		tl.lines = 1

		// Observer.
		want := expectedObserver(c)
		gotV, gotP := ev.Str("observer.vendor"), ev.Str("observer.product")
		if want.reason != "" {
			tl.shared++
			if !slices.Contains(want.vendors, manifestVendor(c.Vendor)) {
				tl.otherVendor++
			}
		}
		if slices.Contains(want.vendors, gotV) {
			tl.vendorOK++
		} else {
			fail(c, "observer.vendor %q, want one of %q", gotV, want.vendors)
		}
		if slices.Contains(want.products, gotP) {
			tl.productOK++
		} else {
			fail(c, "observer.product %q, want one of %q", gotP, want.products)
		}

		// Timestamp.
		deleg := delegation(c)
		if _, v, err := p.Split([]byte(c.Raw), parse.Hint{ReceivedAt: refTime}); err == nil && v != nil && !cnIDs[v.ID] && deleg == "" {
			deleg = "normalized by package vendors (" + v.ID + "): its conventions apply (time zone from the hint only, its own level scale)"
		}
		if deleg != "" {
			tl.timeOK++
			exceptions = append(exceptions, fmt.Sprintf("%s @timestamp: %s", c.ID, deleg))
		} else if ok, why := checkTimestamp(c.Raw, ev.Timestamp()); ok {
			tl.timeOK++
		} else {
			fail(c, "@timestamp %s: %s", ev.Timestamp().Format(time.RFC3339), why)
		}

		// Fields.
		expect := expectedFields(c)
		for _, role := range strictRoles {
			exp, ok := expect[role]
			if !ok {
				continue
			}
			if deleg != "" && (!strings.HasPrefix(deleg, "normalized by package vendors") || role == "action" || role == "severity") {
				exp.exception = deleg
			}
			if exp.exception != "" {
				tl.fieldException++
				exceptions = append(exceptions, fmt.Sprintf("%s %s=%q: %s", c.ID, role, exp.value, exp.exception))
				continue
			}
			tl.fieldTotal++
			if got, ok := checkRole(ev, role, exp.value); ok {
				tl.fieldOK++
			} else {
				fail(c, "%s: want %q (key %s), got %v", role, exp.value, exp.key, got)
			}
		}
		for _, role := range infoRoles {
			exp, ok := expect[role]
			if !ok || exp.exception != "" {
				continue
			}
			tl.infoTotal++
			if _, ok := checkRole(ev, role, exp.value); ok {
				tl.infoOK++
			} else if testing.Verbose() && os.Getenv("CN_INFO") != "" {
				t.Logf("info %s %s: want %q (key %s)", c.ID, role, exp.value, exp.key)
			}
		}
		v := perVendor[c.Vendor]
		if v == nil {
			v = &tally{}
			perVendor[c.Vendor] = v
		}
		v.add(tl)
		all.add(tl)
	}
	names := make([]string, 0, len(perVendor))
	for k := range perVendor {
		names = append(names, k)
	}
	slices.Sort(names)
	t.Logf("%-30s %5s %7s %7s %7s %11s %6s", "vendor", "lines", "vendor", "product", "@ts", "fields", "exc")
	for _, n := range names {
		v := perVendor[n]
		t.Logf("%-30s %5d %7d %7d %7d %5d/%-5d %6d", n, v.lines, v.vendorOK, v.productOK, v.timeOK, v.fieldOK, v.fieldTotal, v.fieldException)
	}
	t.Logf("%-30s %5d %7d %7d %7d %5d/%-5d %6d", "overall", all.lines, all.vendorOK, all.productOK, all.timeOK, all.fieldOK, all.fieldTotal, all.fieldException)
	t.Logf("other labelled fields (rule name, user, protocol, url): %d/%d", all.infoOK, all.infoTotal)
	t.Logf("lines whose observer expectation rests on a documented shared-format rule: %d, of which %d name another vendor than the manifest (OEM and resold formats)", all.shared, all.otherVendor)
	if testing.Verbose() && os.Getenv("CN_EXCEPTIONS") != "" {
		for _, e := range exceptions {
			t.Logf("exception %s", e)
		}
	}
	for i, f := range failures {
		if i == 400 {
			t.Errorf("... %d more", len(failures)-i)
			break
		}
		t.Error(f)
	}
}

// manifestVendor is the observer.vendor name of a manifest vendor.
func manifestVendor(v string) string {
	switch v {
	case "Qihoo 360 / Qi-AnXin (天擎)":
		return "Qihoo 360"
	case "China Telecom (StoneOS)":
		return "China Telecom"
	}
	return v
}

// delegation returns why a line is not checked here: its format is a
// non-Chinese vendor's, read by package vendors with its own conventions
// (no default device zone; levels in log.level).
func delegation(c *cnCase) string {
	switch {
	case c.Vendor == "Juniper" || c.Vendor == "Linux" || c.Vendor == "Microsoft" || c.Vendor == "nginx" || c.ID == "botu-1113" || c.ID == "botu-1114":
		return "non-Chinese vendor's format, left to package vendors"
	case c.Vendor == "Ruijie":
		return "IOS-style record read only with the ruijie hint (checked by TestCNHint)"
	case c.ID == "botu-0041":
		return "bare system message without a vendor mark"
	}
	return ""
}

// checkRole compares a labelled value with the event.
func checkRole(ev *event.Event, role, want string) (any, bool) {
	switch role {
	case "source.ip", "destination.ip":
		got, _ := ev.String(role)
		w, err1 := netip.ParseAddr(want)
		g, err2 := netip.ParseAddr(got)
		return got, err1 == nil && err2 == nil && w.Unmap() == g.Unmap()
	case "source.port", "destination.port":
		got, ok := ev.Int(role)
		n, err := strconv.Atoi(want)
		return got, ok && err == nil && int64(n) == got
	case "action":
		// The raw action is kept under the vendor namespace; event.action
		// holds it translated.
		act, has := ev.String("event.action")
		for _, k := range ev.Keys() {
			if strings.HasSuffix(k, ".action") && k != "event.action" && !strings.HasPrefix(k, "log.") {
				if s, _ := ev.String(k); s == want {
					return s, true
				}
			}
		}
		return act, has && strings.EqualFold(act, want)
	case "severity":
		sev, ok := ev.Int("event.severity")
		if !ok || sev < 0 || sev > 100 {
			return sev, false
		}
		for _, k := range ev.Keys() {
			if strings.HasSuffix(k, ".severity") && k != "event.severity" && !strings.HasPrefix(k, "log.syslog") {
				if s, _ := ev.String(k); s == want {
					return s, true
				}
			}
		}
		return sev, false
	case "attack/rule name":
		for _, k := range []string{"rule.name", "rule.category", "threat.software.name", "event.reason", "rule.id"} {
			if s, _ := ev.String(k); s == want {
				return s, true
			}
		}
		return ev.Str("rule.name"), false
	case "user":
		for _, k := range []string{"user.name", "user.target.name"} {
			if s, _ := ev.String(k); s == want {
				return s, true
			}
		}
		return ev.Str("user.name"), false
	case "protocol":
		w := strings.ToLower(want)
		for _, k := range []string{"network.transport", "network.protocol", "network.iana_number"} {
			if s, _ := ev.String(k); s != "" && (s == w || strings.Contains(w, s)) {
				return s, true
			}
		}
		return ev.Str("network.protocol"), false
	case "url":
		for _, k := range []string{"url.original", "url.path", "url.domain"} {
			if s, _ := ev.String(k); s == want {
				return s, true
			}
		}
		return ev.Str("url.original"), false
	}
	return nil, false
}

// Timestamp oracle: every date-time written in the line, read as China
// Standard Time unless it carries an offset. The event's @timestamp must
// be one of them; a line without any must get the receive time.
var (
	reISO      = regexp.MustCompile(`(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T:](\d{1,2})[:-](\d{2})[:-](\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?`)
	reSpaced   = regexp.MustCompile(`(\d{4}) (\d{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2})`)
	reCompact  = regexp.MustCompile(`\b(20\d{2})(\d{2})(\d{2}) ?(\d{2}):?(\d{2}):?(\d{2})\b`)
	reMonth    = regexp.MustCompile(`(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? +(\d{1,2})(?: +((?:19|20)\d{2}))? +(\d{1,2}):(\d{2}):(\d{2})(?: +(?:CST|GMT\+08:00|\+0800) )?(?: *((?:19|20)\d{2})\b)?`)
	reDateTime = regexp.MustCompile(`date[=:"]+(\d{4})-?(\d{2})-?(\d{2})"?[ ,;].*?time[=:"]+(\d{2}):(\d{2}):(\d{2})`)
	reEpoch    = regexp.MustCompile(`\b(1[3-7]\d{8})(\d{3})?(\d{3})?(?:\.\d+)?\b`)
	monthIndex = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
)

type candidate struct {
	t        time.Time
	yearless bool
}

func timeCandidates(raw string) []candidate {
	var out []candidate
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, m := range reISO.FindAllStringSubmatch(raw, -1) {
		loc := cst
		if m[8] != "" {
			if m[8] == "Z" {
				loc = time.UTC
			} else {
				z := strings.ReplaceAll(m[8], ":", "")
				off := (atoi(z[1:3])*60 + atoi(z[3:5])) * 60
				if z[0] == '-' {
					off = -off
				}
				loc = time.FixedZone("", off)
			}
		}
		ns := 0
		if m[7] != "" {
			ns = atoi((m[7] + "000000000")[:9])
		}
		out = append(out, candidate{t: time.Date(atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3]), atoi(m[4]), atoi(m[5]), atoi(m[6]), ns, loc)})
	}
	for _, re := range []*regexp.Regexp{reSpaced, reCompact, reDateTime} {
		for _, m := range re.FindAllStringSubmatch(raw, -1) {
			out = append(out, candidate{t: time.Date(atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3]), atoi(m[4]), atoi(m[5]), atoi(m[6]), 0, cst)})
		}
	}
	for _, m := range reMonth.FindAllStringSubmatch(raw, -1) {
		year := m[3]
		if year == "" {
			year = m[7]
		}
		mon := monthIndex[strings.ToLower(m[1])]
		if year == "" {
			out = append(out, candidate{t: time.Date(2000, mon, atoi(m[2]), atoi(m[4]), atoi(m[5]), atoi(m[6]), 0, cst), yearless: true})
		} else {
			out = append(out, candidate{t: time.Date(atoi(year), mon, atoi(m[2]), atoi(m[4]), atoi(m[5]), atoi(m[6]), 0, cst)})
		}
	}
	for _, m := range reEpoch.FindAllStringSubmatch(raw, -1) {
		sec := int64(atoi(m[1]))
		t := time.Unix(sec, 0)
		if m[2] != "" {
			t = t.Add(time.Duration(atoi(m[2])) * time.Millisecond)
		}
		if m[3] != "" {
			t = t.Add(time.Duration(atoi(m[3])) * time.Microsecond)
		}
		out = append(out, candidate{t: t})
	}
	return out
}

func checkTimestamp(raw string, got time.Time) (bool, string) {
	cands := timeCandidates(raw)
	if len(cands) == 0 {
		if got.Equal(refTime) {
			return true, ""
		}
		return false, "line carries no time, want the receive time"
	}
	for _, c := range cands {
		if c.yearless {
			g := got.In(cst)
			if g.Month() == c.t.Month() && g.Day() == c.t.Day() && g.Hour() == c.t.Hour() && g.Minute() == c.t.Minute() && g.Second() == c.t.Second() {
				return true, ""
			}
			continue
		}
		if got.Truncate(time.Second).Equal(c.t.Truncate(time.Second)) || got.Round(time.Millisecond).Equal(c.t.Round(time.Millisecond)) {
			return true, ""
		}
	}
	if got.Equal(refTime) {
		// The line's times may all be implausible (e.g. 88:88:80).
		for _, c := range cands {
			if c.t.Year() >= 1995 && !c.yearless {
				return false, fmt.Sprintf("fell back to the receive time although the line carries %s", c.t.Format(time.RFC3339))
			}
		}
		return true, ""
	}
	return false, fmt.Sprintf("not one of the line's times (%d candidates, first %s)", len(cands), cands[0].t.Format(time.RFC3339))
}
