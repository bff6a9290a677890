package server

import (
	"testing"
	"time"

	"bianque/event"
	"bianque/mask"
	"bianque/parse"
	"bianque/parse/std"
	"bianque/pipeline"
)

func TestParseAndMaskStages(t *testing.T) {
	p := ParseStage{Parser: std.NewParser(parse.Options{})}
	raw := []byte(`<189>date=2024-05-01 time=10:00:00 devname="FGT60F" devid="FGT60FTK0000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.0.0.5 srcport=51000 dstip=203.0.113.9 dstport=443 action="accept" proto=6 user="13800138000"`)
	meta := pipeline.Meta{Hint: "fortigate", Received: time.Date(2024, 5, 1, 10, 0, 1, 0, time.UTC), Sender: "192.0.2.1:514"}
	e, err := p.Parse(raw, meta)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Str(event.SourceIP); got != "10.0.0.5" {
		t.Errorf("source.ip = %q", got)
	}
	if got := e.Str(event.DestinationPort); got != "443" {
		t.Errorf("destination.port = %q", got)
	}
	// A product name the parser does not know is no error: the format is detected.
	if _, err := p.Parse(raw, pipeline.Meta{Hint: "some-product"}); err != nil {
		t.Errorf("unknown hint: %v", err)
	}
	if _, err := p.Parse([]byte(`CEF:0|Vendor|Product|1.0|100|Attack|7|src=10.0.0.1`), pipeline.Meta{Hint: "cef"}); err != nil {
		t.Errorf("format hint: %v", err)
	}

	pol, err := mask.NewPolicies(make([]byte, 32), mask.Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := MaskStage{Policies: pol}
	if err := m.Mask("t1", e); err != nil {
		t.Fatal(err)
	}
	orig := e.Str(event.EventOriginal)
	if orig == "" || contains(orig, "13800138000") {
		t.Errorf("event.original not masked: %q", orig)
	}
	a := m.MaskText("t1", "call 13800138000")
	b := m.MaskText("t2", "call 13800138000")
	if contains(a, "13800138000") || a == b {
		t.Errorf("text masking: %q (t1) %q (t2): want masked and keyed per tenant", a, b)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
