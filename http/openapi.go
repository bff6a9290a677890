package http

import (
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"strings"
	"time"

	"bianque"
)

// The OpenAPI 3 document is generated from the route table, so that it
// cannot drift from the routes; a test checks that every documented
// operation resolves to its handler in the mux and that the document is
// stable (testdata/openapi.json).

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// enums names the allowed values of the domain's string types.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[bianque.Role]():         enumValues(bianque.Roles),
	reflect.TypeFor[bianque.TicketType]():   enumValues(bianque.TicketTypes),
	reflect.TypeFor[bianque.TicketState]():  enumValues(bianque.TicketStates),
	reflect.TypeFor[bianque.Severity]():     enumValues(bianque.Severities),
	reflect.TypeFor[bianque.SLAMetric]():    enumValues(bianque.SLAMetrics),
	reflect.TypeFor[bianque.AssetKind]():    enumValues(bianque.AssetKinds),
	reflect.TypeFor[bianque.SLAStatus]():    {"pending", "running", "met", "breached"},
	reflect.TypeFor[bianque.SLAStart]():     {"created", "authorized"},
	reflect.TypeFor[bianque.TimelineKind](): {"created", "transition", "assign", "comment", "update"},
	reflect.TypeFor[bianque.TicketAction](): {"acknowledge", "confirm", "false_positive", "escalate", "contain", "close", "reopen", "authorize"},
}

type schemaGen struct {
	components map[string]any
	types      map[string]reflect.Type
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case reflect.TypeFor[bianque.Duration]():
		return map[string]any{"type": "string", "description": "Go duration, e.g. 30m or 8h0m0s", "example": "30m0s"}
	case reflect.TypeFor[time.Weekday]():
		return map[string]any{"type": "integer", "minimum": 0, "maximum": 6, "description": "0 = Sunday"}
	}
	if vs, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vs}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := t.Name()
		if name == "" {
			return g.object(t)
		}
		// Types of the domain packages may share a name (discover.Risk,
		// inventory.Risk): outside the root and this package they are
		// qualified by their package.
		if pkg := t.PkgPath(); pkg != "bianque" && pkg != "bianque/http" {
			name = path.Base(pkg) + "." + name
		}
		if prev, ok := g.types[name]; ok && prev != t {
			name = strings.ReplaceAll(t.PkgPath(), "/", ".") + "." + t.Name()
		}
		if _, ok := g.types[name]; !ok {
			g.types[name] = t
		}
		if _, ok := g.components[name]; !ok {
			g.components[name] = nil // placeholder against recursion
			g.components[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

// OpenAPI returns the OpenAPI 3.0 document of the server's API.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{components: map[string]any{}, types: map[string]reflect.Type{}}
	errSchema := g.schema(reflect.TypeFor[ErrorBody]())
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": errSchema}}}
	}
	paths := map[string]any{}
	for _, rt := range s.routes {
		op := map[string]any{
			"operationId": rt.ID,
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"x-scope":     string(rt.Scope),
		}
		if rt.Perm != "" {
			op["x-permission"] = string(rt.Perm)
		}
		if rt.PlatformPerm != "" {
			op["x-platform-permission"] = string(rt.PlatformPerm)
		}
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			sch := map[string]any{"type": q.Type}
			if q.Type == "date-time" {
				sch = map[string]any{"type": "string", "format": "date-time"}
			}
			if len(q.Enum) > 0 {
				sch["description"] = "any of: " + strings.Join(q.Enum, ", ")
			}
			p := map[string]any{"name": q.Name, "in": "query", "schema": sch}
			if q.Description != "" {
				p["description"] = q.Description
			}
			if q.Required {
				p["required"] = true
			}
			params = append(params, p)
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Body))}}}
		}
		responses := map[string]any{}
		ok := map[string]any{"description": "success"}
		if file, isFile := rt.Result.(Download); isFile {
			ok["content"] = map[string]any{string(file): map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		} else if rt.Result != nil {
			sch := g.schema(reflect.TypeOf(rt.Result))
			if rt.List {
				sch = map[string]any{"type": "object", "required": []string{"items", "next_cursor"}, "properties": map[string]any{
					"items":       map[string]any{"type": "array", "items": sch},
					"next_cursor": map[string]any{"type": "string", "description": "pass as ?cursor= for the next page; empty on the last"},
				}}
			}
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": sch}}
		}
		responses[itoa(rt.Status)] = ok
		responses["400"] = errResp("invalid input (code invalid)")
		if rt.Access != Public {
			responses["401"] = errResp("not signed in (code unauthorized)")
			responses["403"] = errResp("not allowed (code forbidden), or a missing CSRF token")
			op["security"] = []any{map[string]any{"session": []any{}}, map[string]any{"token": []any{}}}
		} else {
			responses["401"] = errResp("bad credentials (code unauthorized)")
			op["security"] = []any{}
		}
		if rt.SignIn {
			responses["423"] = errResp("account locked (code locked)")
			responses["429"] = errResp("too many sign-in attempts from this address (code rate_limited)")
		}
		if strings.Contains(rt.Path, "{") || rt.Scope == ScopeTenant {
			responses["404"] = errResp("no such record, or a tenant the caller cannot see (code not_found)")
		}
		if rt.Method != http.MethodGet {
			responses["409"] = errResp("conflict: duplicate, stale version or illegal state transition (code conflict)")
		}
		op["responses"] = responses
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "Bianque API",
			"version":     "v1",
			"description": "Security operations for hospitals. Errors are {\"error\":{\"code\":...,\"message\":...}}; lists are {\"items\":[...],\"next_cursor\":...} with ?limit= and ?cursor=. Cookie sessions send X-CSRF-Token on every state-changing request; API tokens use Authorization: Bearer and need none.",
			"license":     map[string]any{"name": "Apache-2.0"},
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": s.sessionCookie()},
				"token":   map[string]any{"type": "http", "scheme": "bearer", "description": "API token (bq_...)"},
			},
		},
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(s.OpenAPI())
}
