package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bianque/auth"
)

const serveRules = `title: Failed logon
id: 70000000-0000-0000-0000-000000000001
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4625}
    condition: selection
level: high
tags: [attack.credential-access, attack.t1110.001]
`

const serveHunting = `title: Any whoami
id: 70000000-0000-0000-0000-000000000002
logsource: {product: windows, category: process_creation}
detection:
    selection: {Image|endswith: '\whoami.exe'}
    condition: selection
level: low
tags: [attack.discovery, attack.t1033]
`

// apiClient signs in through the API as one of the printed demo accounts.
type apiClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func signInDemo(t *testing.T, base, printed, user string) *apiClient {
	t.Helper()
	pwm := regexp.MustCompile(`Password of every demo account: (\S+)`).FindStringSubmatch(printed)
	sm := regexp.MustCompile(`(?m)^` + user + `\s+\S+\s+\S+\s+([A-Z2-7]+)$`).FindStringSubmatch(printed)
	if pwm == nil || sm == nil {
		t.Fatalf("demo account %s not printed:\n%s", user, printed)
	}
	jar, _ := cookiejar.New(nil)
	a := &apiClient{t: t, base: base, c: &http.Client{Timeout: 20 * time.Second, Jar: jar}}
	var res map[string]any
	a.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": pwm[1]}, 200, &res)
	a.csrf = res["csrf_token"].(string)
	secret, _ := auth.ParseTOTPSecret(sm[1])
	a.do("POST", "/api/v1/auth/totp", map[string]string{"code": auth.TOTP{Secret: secret}.Code(time.Now())}, 200, &res)
	a.csrf = res["csrf_token"].(string)
	return a
}

func (a *apiClient) do(method, path string, body any, want int, out any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// bianque serve --rules / --rules-reserved: the rule directories load at
// start, the API shows them per hospital with their settings and coverage,
// a new rule file is picked up by a reload, a broken custom rule is
// refused with its line, and the detection jobs are registered.
func TestServeDetection(t *testing.T) {
	passwordCost = cheap
	defer func() { passwordCost = auth.DefaultArgon2 }()
	dir := t.TempDir()
	base, hunting := filepath.Join(dir, "rules"), filepath.Join(dir, "hunting")
	for p, content := range map[string]string{filepath.Join(base, "windows", "logon.yml"): serveRules, filepath.Join(hunting, "whoami.yml"): serveHunting} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut syncBuffer
	env := &cmdEnv{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		return map[string]string{"BIANQUE_DATA": filepath.Join(dir, "data"), "BIANQUE_RULES": base, "BIANQUE_DEMO_INTERVAL": "1h", "BIANQUE_DEMO_EVENTS": "0"}[k]
	}}
	cfg, err := parseServe(env, commands["serve"], []string{"--demo", "--rules-reserved", hunting, "--alert-window", "5m"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.detect.rules) != 1 || cfg.detect.rules[0] != base || cfg.detect.reserved[0] != hunting || cfg.detect.window != 5*time.Minute {
		t.Fatalf("detection flags %+v", cfg.detect)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env, cfg, slog.New(slog.NewTextHandler(&errOut, nil)), ln, nil, nil) }()
	url := "http://" + ln.Addr().String()
	waitHealthy(t, url)
	if !strings.Contains(errOut.String(), "detection ready") {
		t.Fatalf("log:\n%s", errOut.String())
	}
	m := signInDemo(t, url, out.String(), "manager")

	var status struct {
		Rules   int `json:"rules"`
		Sources []struct {
			Path     string `json:"path"`
			Rules    int    `json:"rules"`
			Reserved bool   `json:"reserved"`
		} `json:"sources"`
	}
	m.do("GET", "/api/v1/rules/status", nil, 200, &status)
	if status.Rules != 2 || len(status.Sources) != 2 || status.Sources[0].Rules != 1 || !status.Sources[1].Reserved {
		t.Fatalf("rule status %+v", status)
	}
	var tenants struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	m.do("GET", "/api/v1/tenants", nil, 200, &tenants)
	tn := tenants.Items[0].ID
	var rules struct {
		Items []struct {
			ID      string `json:"id"`
			Enabled bool   `json:"enabled"`
			Source  string `json:"source"`
		} `json:"items"`
	}
	m.do("GET", "/api/v1/tenants/"+tn+"/rules", nil, 200, &rules)
	if len(rules.Items) != 2 || !rules.Items[0].Enabled || rules.Items[0].Source != "rules/windows/logon.yml" || rules.Items[1].Enabled {
		t.Fatalf("rules of a hospital %+v", rules.Items)
	}
	// Enable the reserved rule for the hospital: it enters the coverage.
	m.do("PUT", "/api/v1/tenants/"+tn+"/rules/70000000-0000-0000-0000-000000000002", map[string]any{"enabled": true}, 200, nil)
	var cov struct {
		Rules   int `json:"rules"`
		Covered int `json:"covered"`
	}
	m.do("GET", "/api/v1/tenants/"+tn+"/coverage", nil, 200, &cov)
	if cov.Rules != 2 || cov.Covered != 2 {
		t.Fatalf("coverage %+v", cov)
	}
	// A new file, then a reload.
	if err := os.WriteFile(filepath.Join(base, "windows", "more.yml"), []byte(strings.ReplaceAll(strings.ReplaceAll(serveRules,
		"70000000-0000-0000-0000-000000000001", "70000000-0000-0000-0000-000000000003"), "4625", "4740")), 0o644); err != nil {
		t.Fatal(err)
	}
	m.do("POST", "/api/v1/rules/reload", nil, 200, &status)
	if status.Rules != 3 {
		t.Fatalf("after reload: %d rules", status.Rules)
	}
	var bad struct {
		Error struct{ Message string } `json:"error"`
	}
	m.do("POST", "/api/v1/tenants/"+tn+"/custom-rules", map[string]string{"name": "x.yml",
		"content": "title: X\nid: x-1\nlogsource: {product: windows}\ndetection:\n    sel: {a: 1}\n    condition: sel and nope\n"}, 400, &bad)
	if !strings.Contains(bad.Error.Message, "x.yml") || !strings.Contains(bad.Error.Message, "nope") {
		t.Fatalf("broken custom rule: %q", bad.Error.Message)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
