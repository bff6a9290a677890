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
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"bianque/auth"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// "bianque serve --demo" comes up with demo data, the printed credentials
// sign in through the API, the demo keeps raising tickets, and the server
// stops cleanly when its context ends.
func TestServeDemo(t *testing.T) {
	passwordCost = cheap
	defer func() { passwordCost = auth.DefaultArgon2 }()
	dir := t.TempDir()
	var out, errOut syncBuffer
	env := &cmdEnv{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		return map[string]string{"BIANQUE_DATA": dir, "BIANQUE_DEMO_INTERVAL": "100ms"}[k]
	}}
	cfg, err := parseServe(env, commands["serve"], []string{"--demo"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.data != dir || cfg.demoInterval != 100*time.Millisecond || cfg.addr != "127.0.0.1:8080" {
		t.Fatalf("flags from the environment: %+v", cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env, cfg, slog.New(slog.NewTextHandler(&errOut, nil)), ln, nil, nil) }()
	base := "http://" + ln.Addr().String()

	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	waitHealthy(t, base)
	text := out.String()
	pwm := regexp.MustCompile(`Password of every demo account: (\S+)`).FindStringSubmatch(text)
	sm := regexp.MustCompile(`(?m)^analyst\s+analyst\s+-\s+([A-Z2-7]+)$`).FindStringSubmatch(text)
	if pwm == nil || sm == nil {
		t.Fatalf("demo accounts not printed:\n%s", text)
	}

	jar, _ := cookiejar.New(nil)
	client.Jar = jar
	post := func(path, csrf string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || json.Unmarshal(raw, &m) != nil {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, raw)
		}
		return m
	}
	res := post("/api/v1/auth/login", "", map[string]string{"username": "analyst", "password": pwm[1]})
	secret, _ := auth.ParseTOTPSecret(sm[1])
	post("/api/v1/auth/totp", res["csrf_token"].(string), map[string]string{"code": auth.TOTP{Secret: secret}.Code(time.Now())})
	count := func() int {
		resp, err := client.Get(base + "/api/v1/tickets?limit=1000")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var l struct{ Items []json.RawMessage }
		if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || resp.StatusCode != 200 {
			t.Fatalf("tickets: %d %v", resp.StatusCode, err)
		}
		return len(l.Items)
	}
	first := count()
	if first < 20 {
		t.Fatalf("only %d demo tickets", first)
	}
	for time.Now().Before(deadline) && count() <= first {
		time.Sleep(100 * time.Millisecond)
	}
	if count() <= first {
		t.Fatal("the demo stream raised no ticket")
	}
	// Discovered devices of the first demo hospital: the sample network ran
	// through a sensor into the platform; the pump's new internet
	// destination raised an anomaly with its alert and ticket.
	getJSON := func(path string, v any) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
	}
	var tenants struct{ Items []struct{ ID, Code string } }
	getJSON("/api/v1/tenants?code=demo-szph", &tenants)
	if len(tenants.Items) != 1 {
		t.Fatalf("demo tenant: %+v", tenants)
	}
	tid := tenants.Items[0].ID
	var inv struct {
		Total int
		Items []struct {
			Key            string
			DeviceType     string `json:"device_type"`
			LifeSupporting bool   `json:"life_supporting"`
		}
	}
	getJSON("/api/v1/tenants/"+tid+"/devices?medical=true", &inv)
	types := map[string]int{}
	for _, it := range inv.Items {
		types[it.DeviceType]++
	}
	if inv.Total < 5 || types["infusion_pump"] != 2 || types["ct"] != 1 || types["patient_monitor"] != 1 {
		t.Fatalf("demo medical devices: %d %v", inv.Total, types)
	}
	var anomalies struct {
		Items []struct {
			Kind     string
			AlertID  string `json:"alert_id"`
			TicketID string `json:"ticket_id"`
		}
	}
	getJSON("/api/v1/tenants/"+tid+"/device-anomalies?device=10.60.3.20", &anomalies)
	if len(anomalies.Items) == 0 || anomalies.Items[0].AlertID == "" || anomalies.Items[0].TicketID == "" {
		t.Fatalf("demo anomalies: %+v", anomalies)
	}
	for _, p := range []string{"/", "/tickets", "/api/openapi.json", "/metrics", "/devices", "/t/" + tid + "/devices/10.60.3.20"} {
		resp, err := client.Get(base + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", p, resp.StatusCode, err)
		}
		resp.Body.Close()
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
	if !strings.Contains(errOut.String(), "stopped") {
		t.Fatalf("log:\n%s", errOut.String())
	}
}

// An empty database gets a platform administrator whose password is printed once.
func TestServeBootstrapsAdministrator(t *testing.T) {
	passwordCost = cheap
	defer func() { passwordCost = auth.DefaultArgon2 }()
	dir := t.TempDir()
	for i, want := range []bool{true, false} {
		var out, errOut syncBuffer
		env := &cmdEnv{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		cfg, err := parseServe(env, commands["serve"], []string{"--data", dir, "--admin-user", "chief"})
		if err != nil {
			t.Fatal(err)
		}
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- serve(ctx, env, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ln, nil, nil) }()
		waitHealthy(t, "http://"+ln.Addr().String())
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), `Created the platform administrator "chief"`); got != want {
			t.Fatalf("start %d: printed=%v, want %v:\n%s", i+1, got, want, out.String())
		}
	}
}

func TestServeFlags(t *testing.T) {
	env := &cmdEnv{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	for _, args := range [][]string{{"--tls-cert", "x.pem"}, {"--nonsense"}, {"extra"}} {
		if _, err := parseServe(env, commands["serve"], args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := parsePrefixes("allow-from", "10.0.0.0/8, 192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := parsePrefixes("allow-from", "10.0.0.0/33"); err == nil {
		t.Fatal("bad CIDR accepted")
	}
	if k, err := parseFieldKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"); err != nil || len(k) != 32 {
		t.Fatalf("hex key: %v", err)
	}
	if _, err := parseFieldKey("c2hvcnQ="); err == nil {
		t.Fatal("short key accepted")
	}
	var help bytes.Buffer
	code := run(context.Background(), &cmdEnv{Stdout: &help, Stderr: &help, Getenv: func(string) string { return "" }}, []string{"serve", "--help"})
	if code != 0 || !strings.Contains(help.String(), "BIANQUE_ADDR") || !strings.Contains(help.String(), "--demo") {
		t.Fatalf("serve --help: %d\n%s", code, help.String())
	}
}

// waitHealthy waits until the server at base answers /healthz.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server at %s did not come up: %v", base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
