package main

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianque/auth"
)

// bianque serve --demo: the demo devices' raw logs go through the whole
// ingestion path into the event store, and the attack scenario sent at
// start becomes an alert of the demo's rules.
func TestServeDemoLogsToAlerts(t *testing.T) {
	passwordCost = cheap
	defer func() { passwordCost = auth.DefaultArgon2 }()
	dir := t.TempDir()
	var out, errOut syncBuffer
	env := &cmdEnv{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
		return map[string]string{"BIANQUE_DATA": filepath.Join(dir, "data"), "BIANQUE_DEMO_INTERVAL": "1h", "BIANQUE_DEMO_EVENTS": "20"}[k]
	}}
	cfg, err := parseServe(env, commands["serve"], []string{"--demo"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env, cfg, slog.New(slog.NewTextHandler(&errOut, nil)), ln, nil, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	url := "http://" + ln.Addr().String()
	waitHealthy(t, url)
	a := signInDemo(t, url, out.String(), "analyst")

	type list struct {
		Items []map[string]any `json:"items"`
	}
	deadline := time.Now().Add(90 * time.Second)
	var events, alerts list
	for time.Now().Before(deadline) {
		a.do("GET", "/api/v1/events?limit=50", nil, 200, &events)
		a.do("GET", "/api/v1/alerts", nil, 200, &alerts)
		if len(events.Items) >= 50 && len(alerts.Items) > 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(events.Items) < 50 {
		t.Fatalf("%d demo events stored after 90 s\n%s", len(events.Items), errOut.String())
	}
	if len(alerts.Items) == 0 {
		t.Fatalf("no alert from the demo's attack scenario\n%s", errOut.String())
	}
	if strings.Contains(errOut.String(), "demo rules") {
		t.Errorf("demo rules not installed:\n%s", errOut.String())
	}
	for _, al := range alerts.Items {
		t.Logf("alert: %v (%v)", al["rule_title"], al["level"])
	}
}
