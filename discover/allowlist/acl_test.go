package allowlist_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"bianque/discover"
	"bianque/discover/allowlist"
	"bianque/discover/internal/synth"
)

// The exports round-trip: the generated policy's ACL CSV, read back, and
// its JSON document, read back, decide every observed flow (and a new
// peer, port and internet destination) exactly as the policy does.
func TestExportsReadBack(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	learn := report(t, hospital(t, t0, nil))
	pol := allowlist.Generate(learn, allowlist.Options{})
	acl, err := allowlist.ParseACL(strings.NewReader(pol.CSV()))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(pol)
	if err != nil {
		t.Fatal(err)
	}
	back, err := allowlist.ParsePolicy(js)
	if err != nil {
		t.Fatal(err)
	}
	evil := synth.NewHost("02:00:00:00:00:99", "10.9.9.9")
	keys := []discover.FlowKey{
		{Client: evil.IP.String(), Server: pacs.IP.String(), Transport: "tcp", Port: 104},
		{Client: ct.IP.String(), Server: pacs.IP.String(), Transport: "tcp", Port: 22},
		{Client: pump.IP.String(), Server: other.IP.String(), Transport: "tcp", Port: 443},
		{Client: ws.IP.String(), Server: printer.IP.String(), Transport: "tcp", Port: 9100},
	}
	for _, f := range learn.Flows {
		keys = append(keys, f.Key())
	}
	denied := 0
	for _, k := range keys {
		want := pol.Evaluate(k).Allowed
		if got := acl.Evaluate(k); got.Allowed != want {
			t.Errorf("%+v: ACL says %v (%s), policy %v", k, got.Allowed, got.Reason, want)
		}
		if got := back.Evaluate(k); got.Allowed != want {
			t.Errorf("%+v: policy read back says %v, policy %v", k, got.Allowed, want)
		}
		if !want {
			denied++
		}
	}
	if denied < 4 {
		t.Fatalf("only %d of the flows denied: the check proves little", denied)
	}
	if got, want := len(allowlist.Check(acl, learn)), len(pol.WhatWouldBreak(learn)); got != want {
		t.Fatalf("the ACL breaks %d observed flows, the policy %d", got, want)
	}
}

func TestACL(t *testing.T) {
	acl, err := allowlist.ParseACL(strings.NewReader(`action,source,destination,protocol,port,comment
permit,10.1.0.0/24,10.1.0.50,tcp,104,"DICOM, to the PACS"
deny,10.1.0.10,any,any,,the CT talks to nothing else
allow,any,10.1.0.0/24;10.2.0.5,udp,1000-2000,
drop,any,10.1.0.0/16,any,any,
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		k       discover.FlowKey
		allowed bool
		reason  string
	}{
		{discover.FlowKey{Client: "10.1.0.10", Server: "10.1.0.50", Transport: "tcp", Port: 104}, true, "allowed by line 2"},
		{discover.FlowKey{Client: "10.1.0.10", Server: "10.1.0.51", Transport: "tcp", Port: 104}, false, "denied by line 3 (line 3)"},
		{discover.FlowKey{Client: "10.3.0.1", Server: "10.2.0.5", Transport: "udp", Port: 1500}, true, "allowed by line 4"},
		{discover.FlowKey{Client: "10.3.0.1", Server: "10.2.0.5", Transport: "udp", Port: 2001}, true, "no row matches"},
		{discover.FlowKey{Client: "10.3.0.1", Server: "10.1.200.1", Transport: "tcp", Port: 80}, false, "denied by line 5 (line 5)"},
		{discover.FlowKey{Client: "::ffff:10.1.0.7", Server: "10.1.0.50", Transport: "tcp", Port: 104}, true, "allowed by line 2"},
	} {
		d := acl.Evaluate(tc.k)
		if d.Allowed != tc.allowed || d.Reason != tc.reason {
			t.Errorf("%+v: %v %q, want %v %q", tc.k, d.Allowed, d.Reason, tc.allowed, tc.reason)
		}
	}
	for _, bad := range []string{
		"source,destination,protocol,port\nany,any,tcp,1\n",          // no action column
		"action,source,destination,protocol,port\nmaybe,any,any,,\n", // unknown action
		"action,source,destination,protocol,port\nallow,10.0.0.300,any,,\n",
		"action,source,destination,protocol,port\nallow,any,any,tcp,70000\n",
		"action,source,destination,protocol,port\nallow,any,any,tcp,20-10\n",
		"action,source,destination,protocol,port\n", // no rows
	} {
		if _, err := allowlist.ParseACL(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	for _, bad := range []string{`{"groups":{},"segmented":["x"],"rules":[]}`, `{"groups":{"g":["nope"]},"segmented":[],"rules":[]}`,
		`{"groups":{},"segmented":[],"rules":[{"from":"a","to":"","transport":"tcp"}]}`, `{"groups":{},"extra":1}`} {
		if _, err := allowlist.ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("accepted policy %s", bad)
		}
	}
}

// FuzzParseACL: uploaded ACLs never crash the reader, and what it reads
// evaluates without panicking.
func FuzzParseACL(f *testing.F) {
	f.Add("rule,action,source,destination,protocol,port,apps,clinical,comment\nr001,allow,10.1.0.10,10.1.0.50,tcp,104,dicom,true,\"ct -> pacs\"\nd001,deny,10.1.0.10,any,any,,,false,default deny\n")
	f.Add("action,source,destination,protocol,port\npermit,10.0.0.0/8;fe80::/10,any,udp,1000-2000\n")
	f.Add("action,source,destination,protocol,port\n\"allow\",\"any\",\"1.2.3.4\",tcp,\n")
	f.Fuzz(func(t *testing.T, s string) {
		acl, err := allowlist.ParseACL(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, k := range []discover.FlowKey{{Client: "10.1.0.10", Server: "10.1.0.50", Transport: "tcp", Port: 104}, {Client: "fe80::1", Server: "::1", Transport: "udp", Port: 1500}} {
			acl.Evaluate(k)
		}
	})
}

// FuzzParsePolicy: edited policy documents never crash the reader or the
// evaluation.
func FuzzParsePolicy(f *testing.F) {
	f.Add(`{"groups":{"ct":["10.1.0.10"],"pacs":["10.1.0.50"]},"segmented":["ct"],"rules":[{"id":"r001","from":"ct","to":"pacs","transport":"tcp","port":104,"flows":1}]}`)
	f.Add(`{"groups":{},"segmented":[],"rules":[]}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := allowlist.ParsePolicy([]byte(s))
		if err != nil {
			return
		}
		p.Evaluate(discover.FlowKey{Client: "10.1.0.10", Server: "10.1.0.50", Transport: "tcp", Port: 104})
		_ = p.Nftables()
		_ = p.CSV()
	})
}
