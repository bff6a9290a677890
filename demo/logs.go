package demo

import (
	"context"
	"crypto/sha1"
	"embed"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"bianque"
)

// The demo hospitals' devices send raw logs in the formats their real
// counterparts use — the Hillstone perimeter firewall (sessions and IPS),
// sshd on the HIS application server, nginx in front of HIS, and a Suricata
// traffic probe — so that the whole ingestion path runs in the demo: format
// detection, normalization, PII masking, asset enrichment, the event store,
// and detection by the hospitals' own Sigma rules (embedded in rules/), whose
// high alerts open threat tickets.

//go:embed rules/*.yml
var ruleFiles embed.FS

// shanghai is the demo devices' clock: Chinese devices log local time.
var shanghai = time.FixedZone("CST", 8*3600)

// LogLine is one raw message a demo device sends, with the hospital it
// belongs to.
type LogLine struct {
	TenantID string
	Data     []byte
}

// Logs generates the raw logs of the demo hospitals.
type Logs struct {
	tenants []string // index = hospital index of the IP plan
	rng     *rand.Rand
	flow    uint64
}

// NewLogs finds the demo hospitals in the store.
func NewLogs(ctx context.Context, tenants bianque.TenantStore, seed uint64) (*Logs, error) {
	l := &Logs{rng: rand.New(rand.NewPCG(seed, 11))}
	for _, h := range hospitals {
		t, err := tenants.TenantByCode(ctx, h.code)
		if err != nil {
			return nil, fmt.Errorf("demo hospital %s: %w", h.code, err)
		}
		l.tenants = append(l.tenants, t.ID)
	}
	return l, nil
}

// ip returns the address of "zone.subnet.host" in hospital i's plan (as
// demoAssets lays it out).
func ip(i int, zsh string) string {
	var zone, subnet, host int
	fmt.Sscanf(zsh, "%d.%d.%d", &zone, &subnet, &host)
	return fmt.Sprintf("10.%d.%d.%d", zone+100*i, subnet, host)
}

func (l *Logs) internet() string {
	nets := []string{"203.0.113", "198.51.100", "192.0.2"}
	return fmt.Sprintf("%s.%d", nets[l.rng.IntN(len(nets))], 2+l.rng.IntN(250))
}

func (l *Logs) port() int { return 32768 + l.rng.IntN(28000) }

// Normal returns n messages of everyday traffic, stamped around now.
func (l *Logs) Normal(now time.Time, n int) []LogLine {
	out := make([]LogLine, 0, n)
	for range n {
		i := l.rng.IntN(len(l.tenants))
		at := now.Add(-time.Duration(l.rng.IntN(2000)) * time.Millisecond)
		var msg string
		switch k := l.rng.IntN(10); {
		case k < 6:
			msg = l.session(i, at)
		case k < 8:
			msg = l.access(at, ip(i, []string{"20.8.113", "20.2.57"}[l.rng.IntN(2)]), "GET",
				[]string{"/his/outpatient/queue", "/his/inpatient/orders", "/his/pharmacy/stock", "/static/app.js"}[l.rng.IntN(4)],
				200, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
		default:
			msg = l.sshd(i, at, fmt.Sprintf("Accepted publickey for hisadm from %s port %d ssh2: RSA SHA256:q3V1dYb0mB6u8c0pQnZ1lJ9x7k2R4sT5uV6wX7yZ8aA", ip(i, "10.0.9"), l.port()))
		}
		out = append(out, LogLine{TenantID: l.tenants[i], Data: []byte(msg)})
	}
	return out
}

// Attack returns the messages of one attack scenario against a random demo
// hospital: an SSH brute force on the HIS server, an SQL injection tool
// against HIS, RDP brute force stopped by the firewall's IPS, or DICOM sent
// to the CT scanner from a nurse's workstation.
func (l *Logs) Attack(now time.Time) []LogLine {
	return l.attack(l.rng.IntN(attackKinds), l.rng.IntN(len(l.tenants)), now)
}

// attackKinds counts the scenarios of attack.
const attackKinds = 4

func (l *Logs) attack(kind, i int, now time.Time) []LogLine {
	var msgs []string
	switch kind {
	case 0:
		from := l.internet()
		for k, user := range []string{"root", "root", "admin", "oracle", "root", "test", "his", "root"} {
			at := now.Add(time.Duration(k-8) * 2 * time.Second)
			verb := "Failed password for " + user
			if user != "root" && user != "admin" {
				verb = "Failed password for invalid user " + user
			}
			msgs = append(msgs, l.sshd(i, at, fmt.Sprintf("%s from %s port %d ssh2", verb, from, l.port())))
		}
	case 1:
		from := l.internet()
		for k, q := range []string{"id=1", "id=1'", "id=1' AND 1=1-- -", "id=1' OR '1'='1", "id=1 UNION ALL SELECT NULL,NULL,NULL-- -"} {
			at := now.Add(time.Duration(k-5) * time.Second)
			msgs = append(msgs, l.access(at, from, "GET", "/his/patient/query?"+strings.ReplaceAll(url.QueryEscape(q), "%3D", "="), 200, "sqlmap/1.7.2#stable (https://sqlmap.org)"))
		}
	case 2:
		from := l.internet()
		for k := range 3 {
			at := now.Add(time.Duration(k-3) * 5 * time.Second)
			msgs = append(msgs, fmt.Sprintf("<189>%s SG-6000 0000000000000000(root) 480c942e HillstoneNetworks#Threat@IPS: Warning: From %s(UNKNOWN:-@-):%d(ethernet0/1) to %s:3389(ethernet0/2), threat name: RDP brute force, vulnerability: Microsoft RDP login brute force, threat type: Attack, threat subtype: Password Attack, App/Protocol: RDP, action: drop, defender: IPS, signature ID: 265011, profile: predef_default, threat severity: High, policy type: FW, policy id: 3, packet id: 0",
				at.In(shanghai).Format(time.Stamp), from, l.port(), ip(i, "10.1.50")))
		}
	default:
		l.flow++
		at := now.Add(-time.Second)
		msgs = append(msgs, fmt.Sprintf(`{"timestamp":"%s","flow_id":%d,"in_iface":"eth1","event_type":"alert","src_ip":"%s","src_port":%d,"dest_ip":"%s","dest_port":104,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":9000104,"rev":1,"signature":"HOSPITAL DICOM C-STORE to modality from non-imaging host","category":"Potential Corporate Privacy Violation","severity":1},"app_proto":"dicom","host":"probe-01"}`,
			at.In(shanghai).Format("2006-01-02T15:04:05.000000-0700"), 1_000_000+l.flow, ip(i, "20.8.113"), l.port(), ip(i, "30.2.5")))
	}
	out := make([]LogLine, len(msgs))
	for k, m := range msgs {
		out[k] = LogLine{TenantID: l.tenants[i], Data: []byte(m)}
	}
	return out
}

// session is a Hillstone session-end log of a flow inside hospital i.
func (l *Logs) session(i int, at time.Time) string {
	type flow struct{ src, dst, app, proto string }
	flows := []flow{
		{"20.8.113", "10.1.21:443", "HTTPS", "TCP"},
		{"20.2.57", "10.1.21:443", "HTTPS", "TCP"},
		{"20.8.113", "10.1.30:443", "HTTPS", "TCP"},
		{"30.2.5", "30.0.12:104", "DICOM", "TCP"},
		{"30.2.6", "30.0.12:104", "DICOM", "TCP"},
		{"10.1.21", "10.1.22:1433", "MSSQL", "TCP"},
		{"10.1.21", "10.1.40:1521", "ORACLE", "TCP"},
		{"40.1.112", "40.1.10:3001", "TCP", "TCP"},
		{"20.8.113", "0.0.2:53", "DNS", "UDP"},
	}
	f := flows[l.rng.IntN(len(flows))]
	dst := f.dst
	host, port, _ := strings.Cut(dst, ":")
	start := at.Add(-time.Duration(1+l.rng.IntN(300)) * time.Second)
	return fmt.Sprintf("<190>%s SG-6000 0000000000000000(root) 44243622 Traffic@FLOW: SESSION: %s:%d->%s:%s(%s), application %s, interface ethernet0/2, vr trust-vr, policy %d, user -@-, host -, send packets %d,send bytes %d,receive packets %d,receive bytes %d,start time %s,close time %s,session end,TCP FIN",
		at.In(shanghai).Format(time.Stamp), ip(i, f.src), l.port(), ip(i, host), port, f.proto, f.app, 10+l.rng.IntN(5),
		5+l.rng.IntN(50), 500+l.rng.IntN(50000), 5+l.rng.IntN(80), 1000+l.rng.IntN(500000),
		start.In(shanghai).Format(time.DateTime), at.In(shanghai).Format(time.DateTime))
}

// sshd is an RFC 5424 message of sshd on the HIS application server.
func (l *Logs) sshd(i int, at time.Time, text string) string {
	return fmt.Sprintf("<86>1 %s his-app-%02d sshd %d - - %s", at.In(shanghai).Format("2006-01-02T15:04:05.000-07:00"), i+1, 20000+l.rng.IntN(9000), text)
}

// access is an nginx access log line of HIS.
func (l *Logs) access(at time.Time, client, method, target string, status int, agent string) string {
	return fmt.Sprintf(`%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s"`, client, at.In(shanghai).Format("02/Jan/2006:15:04:05 -0700"),
		method, target, status, 200+l.rng.IntN(20000), agent)
}

// LogStream sends everyday traffic (about perSecond messages a second) and,
// every attackEvery, one attack scenario, until ctx ends; the first attack
// comes at once so that a newcomer sees alerts within a minute. publish
// errors go to report and do not stop the stream.
func LogStream(ctx context.Context, l *Logs, clock bianque.Clock, perSecond int, attackEvery time.Duration, publish func(context.Context, []LogLine) error, report func(error)) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	nextAttack := clock.Now()
	for {
		now := clock.Now()
		batch := l.Normal(now, perSecond)
		if !now.Before(nextAttack) {
			batch = append(batch, l.Attack(now)...)
			nextAttack = now.Add(attackEvery)
		}
		if err := publish(ctx, batch); err != nil && ctx.Err() == nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// InstallRules stores the demo's Sigma rules as custom rules of every demo
// hospital, as the demo's expert; files of the same name are replaced, so
// this is safe on every start.
func InstallRules(ctx context.Context, rules bianque.RuleService, store interface {
	bianque.UserStore
	bianque.TenantStore
}) error {
	expert, err := store.UserByUsername(ctx, "expert")
	if err != nil {
		return fmt.Errorf("demo expert: %w", err)
	}
	ectx := bianque.NewContextWithPrincipal(ctx, expert.Principal())
	names, err := fs.Glob(ruleFiles, "rules/*.yml")
	if err != nil {
		return err
	}
	for _, h := range hospitals {
		t, err := store.TenantByCode(ctx, h.code)
		if err != nil {
			return fmt.Errorf("demo hospital %s: %w", h.code, err)
		}
		for _, name := range names {
			content, err := ruleFiles.ReadFile(name)
			if err != nil {
				return err
			}
			check, err := rules.SaveCustomRule(ectx, &bianque.CustomRule{TenantID: t.ID, Name: "demo-" + path.Base(name), Content: tenantRuleIDs(string(content), h.code)})
			if err != nil {
				return fmt.Errorf("demo rule %s: %w", name, err)
			}
			if !check.OK {
				return fmt.Errorf("demo rule %s does not compile: %+v", name, check.Problems)
			}
		}
	}
	return nil
}

var ruleIDLine = regexp.MustCompile(`(?m)^id: ([0-9a-f-]{36})$`)

// tenantRuleIDs gives each hospital its own copy of the demo rules: a rule
// id belongs to one tenant, so the ids are derived from the hospital code
// (a name-based UUID, stable across restarts).
func tenantRuleIDs(content, code string) string {
	return ruleIDLine.ReplaceAllStringFunc(content, func(line string) string {
		sum := sha1.Sum([]byte(code + "/" + line[4:]))
		sum[6] = sum[6]&0x0f | 0x50 // version 5
		sum[8] = sum[8]&0x3f | 0x80 // RFC 4122 variant
		return fmt.Sprintf("id: %x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	})
}
