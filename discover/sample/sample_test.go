package sample_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"bianque/discover"
	"bianque/discover/pipeline"
	"bianque/discover/sample"
)

// TestSampleNetwork checks that the generated network reads as described:
// each device classified from its own traffic, the clinical profiles, the
// vendor endpoint and the network-level risks.
func TestSampleNetwork(t *testing.T) {
	b, err := sample.Hour(sample.Options{Start: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), NewInternetDestination: "telemetry.example.net"})
	if err != nil {
		t.Fatal(err)
	}
	enr, err := pipeline.NewEnricher(pipeline.EnrichOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sm := sample.SiteMap()
	if err := sm.Compile(); err != nil {
		t.Fatal(err)
	}
	enr.Classifier.Sites = &sm
	rep, err := pipeline.Pcap(context.Background(), bytes.NewReader(b), pipeline.Options{Enrich: enr.Enrich})
	if err != nil {
		t.Fatal(err)
	}
	dev := map[string]*discover.Device{}
	for i := range rep.Devices {
		dev[rep.Devices[i].IP] = &rep.Devices[i]
	}
	for _, want := range []struct{ ip, typ, dept string }{
		{sample.CT, "ct", "放射科"}, {sample.Ultrasound, "ultrasound", "放射科"}, {sample.PACS, "pacs", "放射科"},
		{sample.RIS, "ris", "放射科"}, {sample.Pump1, "infusion_pump", "重症医学科"}, {sample.Pump2, "infusion_pump", "重症医学科"},
		{sample.Monitor, "patient_monitor", "重症医学科"}, {sample.Camera, "ip_camera", "后勤保障部"},
		{sample.Printer, "printer", "后勤保障部"}, {sample.BMS, "building_controller", "后勤保障部"},
	} {
		d := dev[want.ip]
		if d == nil {
			t.Errorf("%s missing", want.ip)
			continue
		}
		if d.DeviceType != want.typ || d.Location == nil || d.Location.Department != want.dept {
			t.Errorf("%s: %s in %+v, want %s in %s (evidence %+v)", want.ip, d.DeviceType, d.Location, want.typ, want.dept, d.Evidence)
		}
	}
	for _, ip := range []string{sample.Pump1, sample.Monitor} {
		if d := dev[ip]; d == nil || d.Medical == nil || !d.Medical.LifeSupporting {
			t.Errorf("%s is not life-supporting: %+v", ip, d)
		}
	}
	risks := func(ip string) []string {
		var out []string
		for _, r := range dev[ip].Risks {
			out = append(out, r.Kind)
		}
		return out
	}
	if r := risks(sample.Pump1); !slices.Contains(r, "weak-auth") || !slices.Contains(r, "default-credential") {
		t.Errorf("pump risks %v", r)
	}
	if r := risks(sample.Monitor); !slices.Contains(r, "cleartext") {
		t.Errorf("monitor risks %v", r)
	}
	var vendor, unknown bool
	for _, f := range rep.Flows {
		if f.Client == sample.CT && f.Server == sample.VendorRemote {
			vendor = f.Internet && f.VendorEndpoint && f.ServerName == "remote.siemens-healthineers.com"
		}
		if f.Client == sample.Pump1 && f.Server == sample.UnknownServer {
			unknown = f.Internet && !f.VendorEndpoint && f.ServerName == "telemetry.example.net"
		}
	}
	if !vendor || !unknown {
		t.Errorf("internet flows: vendor endpoint %v, unknown destination %v", vendor, unknown)
	}
}
