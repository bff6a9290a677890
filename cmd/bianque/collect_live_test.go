//go:build linux

package main

import (
	"bufio"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"bianque/auth"
	"bianque/discover/capture"
	"bianque/discover/relay"
	"bianque/internal/testutil"
)

// TestCollectLiveCaptureNetns runs bianque collect --sniff on one end of a
// veth pair joining two network namespaces the test creates; a bedside
// gateway in one namespace sends an HL7 result over MLLP to an HIS in the
// other. Nothing leaves the namespaces, and no real interface is touched.
// The collector captures the exchange live, and the sender and receiver
// appear with their HL7 identities in the hospital's device inventory on
// the platform. Needs root (network namespaces, AF_PACKET); skipped
// otherwise.
func TestCollectLiveCaptureNetns(t *testing.T) {
	a, b := testutil.Netns(t, "bqcolA"), testutil.Netns(t, "bqcolB")
	testutil.IP(t, "link", "add", "vcolA", "netns", a, "type", "veth", "peer", "name", "vcolB", "netns", b)
	testutil.IP(t, "-n", a, "addr", "add", "10.250.7.1/30", "dev", "vcolA")
	testutil.IP(t, "-n", b, "addr", "add", "10.250.7.2/30", "dev", "vcolB")
	testutil.IP(t, "-n", a, "link", "set", "vcolA", "up")
	testutil.IP(t, "-n", b, "link", "set", "vcolB", "up")

	openLiveHook = func(name string) (relay.LiveSource, error) {
		var l *capture.Live
		err := testutil.InNetns(a, func() error {
			var err error
			l, err = capture.OpenLive(name, capture.LiveOptions{Promiscuous: true})
			return err
		})
		return l, err
	}
	defer func() { openLiveHook = nil }()

	passwordCost = cheap
	defer func() { passwordCost = auth.DefaultArgon2 }()
	dir := t.TempDir()
	pp := startPlatform(t, filepath.Join(dir, "platform"), "127.0.0.1:0")
	admin := signInDemo(t, pp.base, pp.out.String(), "tcm-admin")
	var tenants struct{ Items []struct{ ID string } }
	admin.do("GET", "/api/v1/tenants?code=demo-tcm", nil, 200, &tenants)
	tid := tenants.Items[0].ID
	cp := startCollector(t, "--platform", "https://"+pp.ingestAddr, "--tenant", "demo-tcm", "--ca-pin", pp.fingerprint,
		"--data-dir", filepath.Join(dir, "collector"), "--name", "ward-mirror", "--sniff", "vcolA",
		"--enrol-poll", "50ms", "--sensor-interval", "200ms", "--sync", "none")
	var comps struct{ Items []struct{ ID string } }
	waitUntil(t, "a pending collector", 30*time.Second, func() bool {
		admin.do("GET", "/api/v1/tenants/"+tid+"/components?state=pending", nil, 200, &comps)
		return len(comps.Items) == 1
	}, cp.log, pp.log)
	admin.do("POST", "/api/v1/tenants/"+tid+"/components/"+comps.Items[0].ID+"/approve", nil, 200, nil)
	waitUntil(t, "the capture to start", 10*time.Second, func() bool {
		return regexpMatch(`capturing for passive discovery.*vcolA`, cp.log.String())
	}, cp.log)

	// The HIS listens in namespace A; the bedside gateway in B sends an
	// ORU^R01 over MLLP and reads the acknowledgement.
	var ln net.Listener
	if err := testutil.InNetns(a, func() error {
		var err error
		ln, err = net.Listen("tcp", "10.250.7.1:2575")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := bufio.NewReader(c).ReadBytes(0x1c); err != nil {
			served <- err
			return
		}
		_, err = c.Write([]byte("\x0bMSH|^~\\&|HIS|GENHOSP|BEDSIDE-GW|ICU|20250301080001||ACK^R01|A1|P|2.5\rMSA|AA|1\r\x1c\r"))
		served <- err
	}()
	var conn net.Conn
	if err := testutil.InNetns(b, func() error {
		var err error
		conn, err = net.DialTimeout("tcp", "10.250.7.1:2575", 5*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	msg := "\x0bMSH|^~\\&|BEDSIDE-GW|ICU|HIS|GENHOSP|20250301080000||ORU^R01|1|P|2.5\rPID|1||123456\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|%\r\x1c\r"
	if _, err := conn.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(conn).ReadBytes(0x1c); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}

	waitUntil(t, "the HL7 sender captured live in the inventory", 60*time.Second, func() bool {
		var d deviceDetail
		return getDevice(admin, tid, "10.250.7.2", &d) && slices.Contains(d.Record.Identities.Get("hl7", "sending_app"), "BEDSIDE-GW")
	}, cp.log, pp.log)
	var his deviceDetail
	if !getDevice(admin, tid, "10.250.7.1", &his) || !slices.Contains(his.Record.Identities.Get("hl7", "sending_app"), "HIS") {
		t.Fatalf("HL7 receiver: %+v", his.Record.Identities)
	}
}
