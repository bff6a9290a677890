package mask

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/event"
	"bianque/internal/testutil"
)

var testKey = []byte("0123456789abcdef-tenant-key")

func newMasker(t testing.TB, cfg Config) *Masker {
	t.Helper()
	m, err := New(testKey, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMaskText(t *testing.T) {
	m := newMasker(t, Default())
	cases := []struct {
		name  string
		in    string
		kinds []Kind // kinds expected, in order; nil: unchanged
	}{
		{"id18 with X", "patient id 11010519491231002X admitted", []Kind{KindIDCard}},
		{"id18 lower x", "id=11010519491231002x", []Kind{KindIDCard}},
		{"id18 digits", "身份证号:440524198001010013。", []Kind{KindIDCard}},
		{"id18 bad checksum", "id 110105194912310021", nil},
		{"id18 bad date", "id 110105194913310028", nil},
		{"id15", "old id 130503670401001 issued", []Kind{KindIDCard}},
		{"id15 bad date", "old id 130503671301001", nil},
		{"mobile", "call 13800138000 now", []Kind{KindMobile}},
		{"mobile +86", "tel:+86 13912345678", []Kind{KindMobile}},
		{"mobile 86-", "tel 86-15012345678", []Kind{KindMobile}},
		{"mobile bad prefix", "num 12345678901", nil},
		{"mobile inside longer number", "seq 1380013800012", nil},
		{"unionpay", "card 6200000000000005 paid", []Kind{KindBankCard}},
		{"visa grouped", "card 4111 1111 1111 1111.", []Kind{KindBankCard}},
		{"visa dashes", "card 4111-1111-1111-1111", []Kind{KindBankCard}},
		{"amex", "amex 378282246310005", []Kind{KindBankCard}},
		{"card bad luhn", "card 6200000000000006", nil},
		{"email", "from Zhang.San+his@Hospital.example.cn,", []Kind{KindEmail}},
		{"two kinds", "a@b.org 13800138000", []Kind{KindEmail, KindMobile}},
		// Things that must stay: times, addresses, ports, counters, versions.
		{"epoch ns", "eventtime=1668524634891048583 tz=+0100", nil},
		{"epoch us", "ts=1668524634891048", nil},
		{"epoch ms", "ts=1668524634891", nil},
		{"epoch s", "ts=1668524634", nil},
		{"ipv4 port", "src=192.168.100.230:44606 dst=10.0.0.1/80", nil},
		{"ipv6", "fe80::1ff:fe23:4567:890a", nil},
		{"date", "2024-01-01T13:80:00.123456789Z 2024/11/05", nil},
		{"decimal", "amount 6200000000000005.25", nil},
		{"mac", "MAC=14:58:d0:b4:65:b8", nil},
		{"hex hash", "sha256=a13800138000f", nil},
		{"version", "v10.13800138000", nil},
		{"session id 18 digits", "sessionid=123456789012345678", nil},
		{"not an email", "user@host and @ alone and a@b", nil},
	}
	for _, c := range cases {
		got, n := m.String(c.in)
		if c.kinds == nil {
			if n != 0 || got != c.in {
				t.Errorf("%s: %q masked to %q", c.name, c.in, got)
			}
			continue
		}
		if n != len(c.kinds) {
			t.Errorf("%s: %q: %d values masked (%q), want %d", c.name, c.in, n, got, len(c.kinds))
			continue
		}
		rest := got
		for _, k := range c.kinds {
			i := strings.Index(rest, "["+string(k)+":")
			if i < 0 {
				t.Errorf("%s: %q: no %s token in %q", c.name, c.in, k, got)
				break
			}
			rest = rest[i+1:]
		}
	}
}

func TestTokensKeyedAndStable(t *testing.T) {
	a := newMasker(t, Default())
	a2 := newMasker(t, Default())
	b, _ := New([]byte("another-tenant-key-0123"), Default())
	x1, _ := a.String("13800138000")
	x2, _ := a2.String("call 13800138000")
	if !strings.HasSuffix(x2, x1) {
		t.Errorf("same key, same value: %q vs %q", x1, x2)
	}
	y, _ := b.String("13800138000")
	if y == x1 {
		t.Errorf("different tenants gave the same token %q", y)
	}
	if strings.Contains(x1, "13800138000") || len(x1) != len("[mobile:")+12+1 {
		t.Errorf("token %q", x1)
	}
	// Case of the identity check letter does not change the token.
	u, _ := a.String("11010519491231002X")
	l, _ := a.String("11010519491231002x")
	if u != l {
		t.Errorf("X/x tokens differ: %s %s", u, l)
	}
}

func TestMaskEvent(t *testing.T) {
	m := newMasker(t, Config{IDCard: true, Mobile: true, BankCard: true, Email: true,
		Fields:   []string{"hospital.patient.name", "hospital.patient.mrn"},
		TextKeys: []string{"patient_name"},
		Patterns: []Pattern{{Name: "mrn", Regexp: `\bMRN-\d{6}\b`}}})
	raw := `<14>Jan 1 00:00:00 his app: patient_name=张三 mrn=MRN-123456 phone=13800138000 ip=10.1.2.3 port=443 id=11010519491231002X`
	e := event.New(8)
	e.Set(event.EventOriginal, raw)
	e.Set(event.Message, raw)
	e.Set("hospital.patient.name", "张三")
	e.Set("hospital.patient.mrn", "MRN-123456")
	e.Set("source.ip", "10.1.2.3")
	e.Set("source.port", int64(443))
	e.Set("user.email", "doctor@hospital.example.cn")
	e.Set("related.user", []string{"13912345678", "admin"})
	n := m.Event(e)
	if n == 0 {
		t.Fatal("nothing masked")
	}
	for _, k := range []string{event.EventOriginal, event.Message, "hospital.patient.name", "hospital.patient.mrn", "user.email"} {
		v := e.Str(k)
		for _, secret := range []string{"张三", "MRN-123456", "13800138000", "11010519491231002X", "doctor@hospital"} {
			if strings.Contains(v, secret) {
				t.Errorf("%s still holds %q: %s", k, secret, v)
			}
		}
	}
	orig := e.Str(event.EventOriginal)
	if !strings.Contains(orig, "ip=10.1.2.3 port=443") {
		t.Errorf("addresses and ports must stay: %s", orig)
	}
	if e.Str("source.ip") != "10.1.2.3" {
		t.Error("source.ip changed")
	}
	rel, _ := e.Get("related.user")
	if l := rel.([]string); l[1] != "admin" || !strings.HasPrefix(l[0], "[mobile:") {
		t.Errorf("related.user = %v", l)
	}
	// The configured field's token is the same in the field and in the text.
	name := e.Str("hospital.patient.name")
	if !strings.Contains(orig, name) {
		t.Errorf("original %q does not carry the field token %q", orig, name)
	}
}

func TestPolicies(t *testing.T) {
	master := []byte("0123456789abcdef0123456789abcdef")
	p, err := NewPolicies(master, Default(), map[string]Config{"h2": {Email: true}})
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := p.For("h1")
	h2, _ := p.For("h2")
	s1, _ := h1.String("13800138000 a@b.cn")
	s2, _ := h2.String("13800138000 a@b.cn")
	if strings.Contains(s1, "13800138000") || !strings.Contains(s2, "13800138000") || strings.Contains(s2, "a@b.cn") {
		t.Errorf("per-tenant configuration not applied: %q / %q", s1, s2)
	}
	if _, err := NewPolicies([]byte("short"), Default(), nil); err == nil {
		t.Error("short master key accepted")
	}
}

func FuzzMaskString(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "13800138000 a@b.cn 6200000000000005", "4111 1111 1111 1111", "@@..@a.b", "patient_name=\"x"} {
		f.Add(s)
	}
	m, _ := New(testKey, Config{IDCard: true, Mobile: true, BankCard: true, Email: true, TextKeys: []string{"patient_name"}})
	f.Fuzz(func(t *testing.T, s string) {
		out, n := m.String(s)
		if n == 0 && out != s {
			t.Fatalf("changed without counting: %q -> %q", s, out)
		}
		// Masking is idempotent: tokens are not masked again.
		out2, _ := m.String(out)
		if out2 != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, out, out2)
		}
	})
}

func BenchmarkMaskEvent(b *testing.B) {
	m := newMasker(b, Default())
	raw := `<189>date=2024-05-02 time=10:51:55 devname="FGT-HIS-01" devid="FG100F0000000001" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=10.20.30.40 srcport=51234 dstip=172.16.5.9 dstport=443 user="zhang.san@hospital.example.cn" msg="patient phone 13800138000" sentbyte=1234 rcvdbyte=5678`
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := event.New(16)
		e.Set(event.EventOriginal, raw)
		e.Set(event.Message, raw)
		e.Set("source.ip", "10.20.30.40")
		e.Set("user.name", "zhang.san@hospital.example.cn")
		e.Set("event.reason", "patient phone 13800138000")
		m.Event(e)
	}
}

func BenchmarkMaskCleanText(b *testing.B) {
	m := newMasker(b, Default())
	raw := `date=2024-05-02 time=10:51:55 devname="FGT-HIS-01" logid="0000000013" srcip=10.20.30.40 srcport=51234 dstip=172.16.5.9 dstport=443 sentbyte=1234 rcvdbyte=5678 eventtime=1668524634891048583`
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.String(raw)
	}
}

// A hospital's policy comes from its contract and a change applies after
// the refresh interval; when the contract cannot be read, the policy last
// read stays in force.
func TestPoliciesFromContract(t *testing.T) {
	master := []byte("0123456789abcdef0123456789abcdef")
	clock := testutil.NewFakeClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	off := false
	policies := map[string]*bianque.MaskingPolicy{
		"h1": nil,
		"h2": {Mobile: &off, Fields: []string{"hospital.patient.name"}, Patterns: []bianque.MaskingPattern{{Name: "mrn", Regexp: `MRN[0-9]{8}`}}},
	}
	var fail error
	reads := 0
	p, err := NewPoliciesFrom(master, Default(), func(id string) (*bianque.MaskingPolicy, error) {
		reads++
		if fail != nil {
			return nil, fail
		}
		pol, ok := policies[id]
		if !ok {
			return nil, bianque.Errorf(bianque.ENOTFOUND, "tenant %s", id)
		}
		return pol, nil
	}, 30*time.Second, clock)
	if err != nil {
		t.Fatal(err)
	}
	mask := func(tenant, s string) string {
		t.Helper()
		m, err := p.For(tenant)
		if err != nil {
			t.Fatalf("policy of %s: %v", tenant, err)
		}
		out, _ := m.String(s)
		return out
	}
	const text = "13800138000 MRN20260301 a@b.cn"
	if got := mask("h1", text); strings.Contains(got, "13800138000") || !strings.Contains(got, "MRN20260301") || strings.Contains(got, "a@b.cn") {
		t.Errorf("h1 (defaults): %q", got)
	}
	if got := mask("h2", text); !strings.Contains(got, "13800138000") || strings.Contains(got, "MRN20260301") || strings.Contains(got, "a@b.cn") {
		t.Errorf("h2 (mobile off, MRN pattern): %q", got)
	}
	e := event.New(4)
	e.SetString("hospital.patient.name", "张三")
	e.SetString(event.Message, "discharge of 张三")
	m2, _ := p.For("h2")
	m2.Event(e)
	if strings.Contains(e.Str("hospital.patient.name"), "张三") || strings.Contains(e.Str(event.Message), "张三") {
		t.Errorf("configured field not masked: %v / %v", e.Str("hospital.patient.name"), e.Str(event.Message))
	}

	// A change to the contract applies after the refresh interval, not before.
	policies["h1"] = &bianque.MaskingPolicy{Mobile: &off}
	if got := mask("h1", text); strings.Contains(got, "13800138000") {
		t.Errorf("policy changed before the refresh interval: %q", got)
	}
	clock.Advance(31 * time.Second)
	if got := mask("h1", text); !strings.Contains(got, "13800138000") {
		t.Errorf("policy change not applied after the refresh interval: %q", got)
	}

	// The store failing keeps the last policy; an unknown tenant is an error.
	fail = errors.New("database unavailable")
	clock.Advance(time.Minute)
	if got := mask("h2", text); strings.Contains(got, "MRN20260301") {
		t.Errorf("policy lost while the store fails: %q", got)
	}
	fail = nil
	if _, err := p.For("unknown"); err == nil {
		t.Error("unknown tenant masked with the defaults instead of failing")
	}
	before := reads
	mask("h2", text)
	if reads != before {
		t.Errorf("policy read again within the refresh interval (%d reads)", reads-before)
	}
}

func TestFromPolicyKeepsDefaults(t *testing.T) {
	def := Config{IDCard: true, Mobile: true, Fields: []string{"a"}}
	got := FromPolicy(def, &bianque.MaskingPolicy{Fields: []string{"b"}})
	if !got.IDCard || !got.Mobile || len(got.Fields) != 2 || len(def.Fields) != 1 {
		t.Errorf("FromPolicy = %+v (defaults %+v)", got, def)
	}
	if got := FromPolicy(def, nil); !reflect.DeepEqual(got, def) {
		t.Errorf("nil policy = %+v", got)
	}
}
