package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bianque"
)

// Access says what credentials a route needs.
type Access int

// Access levels.
const (
	// Public routes need no credentials (sign-in).
	Public Access = iota
	// Pending routes need a session cookie that may not have passed MFA yet
	// (TOTP enrolment and verification, sign-out).
	Pending
	// Authenticated routes need a session that passed MFA, or an API token.
	Authenticated
)

// Scope says how a route's permission applies, for the documentation and the
// authorization matrix test; the services enforce it.
type Scope string

// Scopes.
const (
	// ScopeNone: any authenticated principal (their own account).
	ScopeNone Scope = "self"
	// ScopeTenant: Perm inside the tenant named by the path or query; a
	// tenant the principal cannot see is not found.
	ScopeTenant Scope = "tenant"
	// ScopePlatform: Perm held by provider staff, not bound to a tenant.
	ScopePlatform Scope = "platform"
	// ScopeTenantOrPlatform: Perm inside the tenant, or the platform-wide
	// PlatformPerm (a platform administrator managing tenants and users).
	ScopeTenantOrPlatform Scope = "tenant_or_platform"
)

// Param is a query parameter of a route.
type Param struct {
	Name        string
	Type        string // "string", "integer", "boolean", "date-time"
	Description string
	Enum        []string
	Required    bool
}

// Route is one API operation. The table of routes drives the mux, the
// OpenAPI document and the authorization matrix test.
type Route struct {
	Method string
	Path   string // Go ServeMux pattern path, e.g. /api/v1/tenants/{tenant}/tickets/{ticket}
	// ID is the OpenAPI operationId, "area.verb".
	ID      string
	Summary string
	Tag     string
	Access  Access
	Scope   Scope
	// Perm is the permission the route needs (where it depends on the
	// request, as for ticket actions, the one named in the summary).
	Perm bianque.Permission
	// PlatformPerm is the platform-wide alternative of ScopeTenantOrPlatform.
	PlatformPerm bianque.Permission
	Query        []Param
	// Body is a value of the request body's type, nil for none.
	Body any
	// Result is a value of the response's type; for List routes, of one item.
	Result any
	List   bool
	// Status is the success status (default 200).
	Status int
	// SignIn marks the sign-in steps, which the per-address rate limit guards.
	SignIn bool

	handle apiFunc
}

// apiFunc handles an API request and returns the value to encode.
type apiFunc func(w http.ResponseWriter, r *http.Request) (any, error)

// Download is the Result of a route that answers with a file of this media
// type, which its handler writes itself and then returns streamed{}.
type Download string

// streamed tells api that the handler wrote the response.
type streamed struct{}

// listResult is the body of a list response.
type listResult struct {
	Items      any    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// api registers an API route.
func (s *Server) api(rt Route, h apiFunc) {
	if rt.Status == 0 {
		rt.Status = http.StatusOK
	}
	rt.handle = h
	r := &rt
	s.routes = append(s.routes, r)
	s.mux.Handle(rt.Method+" "+rt.Path, s.instrument(rt.Path, s.authenticate(rt.Access, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		v, err := h(w, req)
		if err != nil {
			s.apiError(w, req, err)
			return
		}
		switch {
		case v == streamed{}: // the handler wrote the response
		case r.Status == http.StatusNoContent:
			w.WriteHeader(http.StatusNoContent)
		default:
			writeJSON(w, r.Status, v)
		}
	}))))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// decode reads a JSON body into v, rejecting unknown fields and trailing data.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return bianque.Errorf(bianque.EINVALID, "request body is larger than %d bytes", maxBody)
		case errors.Is(err, io.EOF):
			return bianque.Errorf(bianque.EINVALID, "request body is empty")
		default:
			return bianque.Errorf(bianque.EINVALID, "bad JSON body: %v", err)
		}
	}
	if dec.More() {
		return bianque.Errorf(bianque.EINVALID, "bad JSON body: trailing data")
	}
	return nil
}

// page reads ?limit= and ?cursor=.
func page(r *http.Request) (bianque.Page, error) {
	var p bianque.Page
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > bianque.MaxPageLimit {
			return p, bianque.Errorf(bianque.EINVALID, "limit must be 1–%d", bianque.MaxPageLimit)
		}
		p.Limit = n
	}
	p.Cursor = q.Get("cursor")
	if len(p.Cursor) > 200 {
		return p, bianque.Errorf(bianque.EINVALID, "cursor too long")
	}
	return p.Normalize(), nil
}

var pageParams = []Param{
	{Name: "limit", Type: "integer", Description: fmt.Sprintf("page size, 1–%d (default %d)", bianque.MaxPageLimit, bianque.DefaultPageLimit)},
	{Name: "cursor", Type: "string", Description: "next_cursor of the previous page"},
}

// queryTime reads an RFC 3339 time parameter.
func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, bianque.Errorf(bianque.EINVALID, "%s must be an RFC 3339 time like 2026-03-01T00:00:00Z", name)
	}
	return t, nil
}

// queryBool reads a boolean parameter; absent is nil.
func queryBool(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, bianque.Errorf(bianque.EINVALID, "%s must be true or false", name)
	}
	return &b, nil
}

// queryList reads a comma-separated or repeated parameter.
func queryList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func principalOf(r *http.Request) *bianque.Principal {
	return bianque.PrincipalFromContext(r.Context())
}
