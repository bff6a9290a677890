package vendors_test

import (
	"testing"

	"bianque/parse"
)

var iisSamples = []fieldCase{
	{"IIS log format",
		`192.168.5.21, HOSP\clerk3, 3/7/2025, 09:30:01, W3SVC2, WEB-HIS01, 10.0.5.10, 125, 912, 20480, 200, 0, GET, /his/patients.aspx, id=42&view=full,`,
		map[string]any{
			"@timestamp": "2025-03-07T09:30:01Z", "client.ip": "192.168.5.21", "source.ip": "192.168.5.21", "user.name": `HOSP\clerk3`,
			"service.name": "W3SVC2", "observer.name": "WEB-HIS01", "server.ip": "10.0.5.10", "event.duration": 125000000,
			"client.bytes": 912, "server.bytes": 20480, "http.response.status_code": 200, "event.outcome": "success",
			"http.request.method": "GET", "url.path": "/his/patients.aspx", "url.extension": "aspx", "url.query": "id=42&view=full",
			"url.original": "/his/patients.aspx?id=42&view=full", "related.ip": []string{"192.168.5.21", "10.0.5.10"},
			"related.user": []string{`HOSP\clerk3`}, "event.category": []string{"web"},
		}},
	{"IIS log format, IPv6 and no query",
		`::1, -, 11/20/2024, 15:44:03, W3SVC1, IIS-A, ::1, 2, 769, 143, 404, 2, GET, /missing.png, -,`,
		map[string]any{"client.ip": "::1", "http.response.status_code": 404, "event.outcome": "failure", "url.original": "/missing.png"},
	},
}

func TestMicrosoftIIS(t *testing.T) {
	checkVendorFields(t, "microsoft-iis", iisSamples)
	// W3C extended lines need the hint and the #Fields directive (or the
	// IIS defaults).
	p := newParser()
	h := hintVendor("microsoft-iis")
	h.Format = parse.FormatW3C
	ev, err := p.Parse([]byte("2024-03-01 08:15:02 10.0.0.5 GET /his/login.aspx - 443 - 192.168.1.20 Mozilla/5.0+(Windows+NT+10.0) - 401 1 2148074254 15"), h)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"source.ip": "192.168.1.20", "http.response.status_code": 401, "observer.product": "IIS", "url.path": "/his/login.aspx"} {
		got, _ := ev.Get(k)
		if g, w := jsonText(got), jsonText(want); g != w {
			t.Errorf("W3C: %s = %s, want %s", k, g, w)
		}
	}
}

func FuzzMicrosoftIIS(f *testing.F) {
	seeds := []string{`a, b, 1/1/2000, x, W3SVC1, c, d, e, f, g, h, i, j, k, l,`, `,,,,W3SVC,,,,,,,,,,`}
	for _, c := range iisSamples {
		seeds = append(seeds, c.in)
	}
	fuzzParseVendor(f, "microsoft-iis", seeds)
}
