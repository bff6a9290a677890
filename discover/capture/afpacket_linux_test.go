//go:build linux

package capture_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"bianque/discover/capture"
	"bianque/discover/decode"
	"bianque/discover/internal/synth"
	"bianque/discover/sensor"
	"bianque/internal/testutil"
)

func dhcpRequest(mac decode.MAC, hostname string) []byte {
	b := make([]byte, 240)
	b[0], b[1], b[2] = 1, 1, 6
	copy(b[28:34], mac[:])
	binary.BigEndian.PutUint32(b[236:], 0x63825363)
	b = append(b, 53, 1, 3)
	b = append(b, 12, byte(len(hostname)))
	b = append(b, hostname...)
	b = append(b, 60, 8)
	b = append(b, "MSFT 5.0"...)
	return append(b, 255)
}

// TestLiveCaptureNetns captures on one end of a veth pair inside network
// namespaces the test creates and injects frames from the other end: a
// VLAN-tagged DHCP request and an LLDP frame. It never touches a real
// interface. Needs root (CAP_NET_ADMIN and CAP_NET_RAW); skipped otherwise.
func TestLiveCaptureNetns(t *testing.T) {
	a, b := testutil.Netns(t, "bqcapA"), testutil.Netns(t, "bqcapB")
	testutil.IP(t, "link", "add", "vcapA", "netns", a, "type", "veth", "peer", "name", "vcapB", "netns", b)
	testutil.IP(t, "-n", a, "link", "set", "vcapA", "up")
	testutil.IP(t, "-n", b, "link", "set", "vcapB", "up")

	var live *capture.Live
	if err := testutil.InNetns(a, func() error {
		var err error
		live, err = capture.OpenLive("vcapA", capture.LiveOptions{Promiscuous: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	host := synth.NewHost("02:42:ac:11:00:07", "0.0.0.0")
	host.VLAN = 100
	bcast := synth.NewHost("ff:ff:ff:ff:ff:ff", "255.255.255.255")
	frames := [][]byte{
		synth.UDPFrame(host, bcast, 68, 67, dhcpRequest(host.MAC, "ward3-nurse-pc")),
		synth.LLDPFrame(decode.MAC{0x00, 0x13, 0x21, 0x57, 0xca, 0x7f},
			synth.TLV{Type: 1, Value: []byte{4, 0x00, 0x13, 0x21, 0x57, 0xca, 0x40}},
			synth.TLV{Type: 2, Value: append([]byte{5}, "A3"...)},
			synth.TLV{Type: 3, Value: []byte{0, 120}},
			synth.TLV{Type: 5, Value: []byte("ward3-access-sw")},
			synth.TLV{Type: 7, Value: []byte{0, 4, 0, 4}}),
	}
	if err := testutil.InNetns(b, func() error {
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		ifc, err := net.InterfaceByName("vcapB")
		if err != nil {
			return err
		}
		ifi := ifc.Index
		for range 3 {
			for _, f := range frames {
				if err := unix.Sendto(fd, f, 0, &unix.SockaddrLinklayer{Ifindex: ifi, Halen: 6}); err != nil {
					return fmt.Errorf("inject: %w", err)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	eng := sensor.New(sensor.DefaultConfig())
	deadline := time.Now().Add(3 * time.Second)
	got := 0
	sawVLAN := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		for time.Now().Before(deadline) && got < 6 {
			fr, err := live.Next()
			if err != nil {
				return
			}
			if fr.VLAN == 100 || bytes.Contains(fr.Data[12:14], []byte{0x81, 0x00}) {
				sawVLAN = true
			}
			got++
			eng.Packet(fr.Link, fr.Data, fr.Time)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		live.Close()
		<-done
	}
	recv, drops, err := live.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("captured %d frames; kernel: %d received, %d dropped", got, recv, drops)
	if got < len(frames) || !sawVLAN {
		t.Fatalf("captured %d frames (VLAN tag seen: %v)", got, sawVLAN)
	}
	rep := eng.Report()
	var hostname, sysName bool
	for _, d := range rep.Devices {
		for _, v := range d.Identities.Get("dhcp", "hostname") {
			hostname = hostname || v == "ward3-nurse-pc"
		}
		for _, v := range d.Identities.Get("lldp", "system_name") {
			sysName = sysName || v == "ward3-access-sw"
		}
		if len(d.MACs) > 0 && d.MACs[0] == "02:42:ac:11:00:07" && (len(d.VLANs) == 0 || d.VLANs[0] != 100) {
			t.Errorf("device %s VLANs %v, want 100", d.Key(), d.VLANs)
		}
	}
	if !hostname || !sysName {
		t.Fatalf("live capture lost identities (dhcp hostname %v, lldp name %v): %+v", hostname, sysName, rep.Devices)
	}
}
