package http

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"bianque/internal/testutil"
)

// The document at /api/openapi.json must describe exactly the routes the
// server serves: every route of the table appears with its method and
// parameters, every documented operation reaches that route's handler in
// the mux (not another pattern, not 404/405), every $ref resolves, and the
// document is stable (testdata/openapi.json; -update after an API change).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newTestServer(t, Config{})
	rec := do(s, "GET", "/api/openapi.json", "", nil)
	if rec.Code != 200 {
		t.Fatalf("GET /api/openapi.json: %d", rec.Code)
	}
	raw := rec.Body.Bytes()
	testutil.Golden(t, "openapi.json", raw)

	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	routes := s.Routes()
	if len(routes) < 35 {
		t.Fatalf("only %d routes", len(routes))
	}
	documented := 0
	ids := map[string]bool{}
	for p, item := range doc.Paths {
		for method, op := range item {
			documented++
			id, _ := op["operationId"].(string)
			if ids[id] {
				t.Errorf("duplicate operationId %s", id)
			}
			ids[id] = true
			// Resolve the documented path (with sample values) through the mux.
			concrete := pathParamRE.ReplaceAllString(p, "x1")
			req := httptest.NewRequest(strings.ToUpper(method), concrete, nil)
			_, pattern := s.mux.Handler(req)
			if want := strings.ToUpper(method) + " " + p; pattern != want {
				t.Errorf("%s %s resolves to mux pattern %q, want %q", method, p, pattern, want)
			}
			var inPath []string
			for _, prm := range asList(op["parameters"]) {
				m := prm.(map[string]any)
				if m["in"] == "path" {
					inPath = append(inPath, m["name"].(string))
				}
			}
			var want []string
			for _, m := range pathParamRE.FindAllStringSubmatch(p, -1) {
				want = append(want, m[1])
			}
			sort.Strings(inPath)
			sort.Strings(want)
			if strings.Join(inPath, ",") != strings.Join(want, ",") {
				t.Errorf("%s %s: path parameters %v, template has %v", method, p, inPath, want)
			}
		}
	}
	if documented != len(routes) {
		t.Errorf("%d documented operations, %d routes", documented, len(routes))
	}
	for _, rt := range routes {
		op := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if op == nil {
			t.Errorf("route %s %s is not documented", rt.Method, rt.Path)
			continue
		}
		if op["operationId"] != rt.ID {
			t.Errorf("%s %s: operationId %v, want %s", rt.Method, rt.Path, op["operationId"], rt.ID)
		}
		if _, ok := op["responses"].(map[string]any)[itoa(rt.Status)]; !ok {
			t.Errorf("%s %s: success status %d not documented", rt.Method, rt.Path, rt.Status)
		}
	}
	for _, ref := range regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([A-Za-z0-9_]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if doc.Components.Schemas[ref[1]] == nil {
			t.Errorf("dangling $ref %s", ref[1])
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
