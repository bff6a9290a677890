package http

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"bianque"
	"bianque/i18n"
)

//go:embed html/*.tmpl
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is one portal page (or form target).
type Page struct {
	Method string
	Path   string
	Access Access
}

// pageFunc handles a portal request; an error renders the error page (or,
// for EUNAUTHORIZED, redirects to the sign-in page).
type pageFunc func(w http.ResponseWriter, r *http.Request) error

// NavItem is an entry of the portal's navigation bar, shown to principals
// holding Perm (all, if empty).
type NavItem struct {
	Key   string // message key of the label
	Path  string
	Perm  bianque.Permission
	Order int
}

type portal struct {
	pages map[string]*template.Template
}

// newPortal parses html/layout.tmpl with each page template.
func newPortal() (*portal, error) {
	layout, err := templateFS.ReadFile("html/layout.tmpl")
	if err != nil {
		return nil, err
	}
	entries, err := fs.Glob(templateFS, "html/*.tmpl")
	if err != nil {
		return nil, err
	}
	p := &portal{pages: map[string]*template.Template{}}
	for _, e := range entries {
		name := strings.TrimSuffix(path.Base(e), ".tmpl")
		if name == "layout" {
			continue
		}
		body, err := templateFS.ReadFile(e)
		if err != nil {
			return nil, err
		}
		t, err := template.New("layout").Funcs(templateFuncs).Parse(string(layout))
		if err != nil {
			return nil, fmt.Errorf("parse layout: %w", err)
		}
		if _, err := t.New(name).Parse(string(body)); err != nil {
			return nil, fmt.Errorf("parse %s: %w", e, err)
		}
		p.pages[name] = t
	}
	return p, nil
}

var templateFuncs = template.FuncMap{
	"join": strings.Join,
	"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"dur": func(d bianque.Duration) string {
		t := time.Duration(d).Round(time.Minute)
		neg := ""
		if t < 0 {
			neg, t = "-", -t
		}
		h, m := int(t.Hours()), int(t.Minutes())%60
		switch {
		case h >= 48:
			return fmt.Sprintf("%s%dd%dh", neg, h/24, h%24)
		case h > 0:
			return fmt.Sprintf("%s%dh%02dm", neg, h, m)
		}
		return fmt.Sprintf("%s%dm", neg, m)
	},
	"query": func(kv ...string) template.URL {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				v.Set(kv[i], kv[i+1])
			}
		}
		return template.URL(v.Encode())
	},
}

// view is what every template gets: the request's language, principal,
// navigation and CSRF token, plus the page's Data.
type view struct {
	Lang      string
	Languages []string
	Principal *bianque.Principal
	CSRF      string
	Nav       []NavItem
	Path      string
	Query     string
	Title     string
	Data      any
	zone      *time.Location
}

// T returns message key in the request's language.
func (v *view) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// L returns the label of an enumeration value.
func (v *view) L(prefix string, value any) string {
	return i18n.Label(v.Lang, prefix, fmt.Sprint(value))
}

// Time formats t in the platform's display zone.
func (v *view) Time(t any) string {
	switch x := t.(type) {
	case time.Time:
		if x.IsZero() {
			return "—"
		}
		return x.In(v.zone).Format("2006-01-02 15:04")
	case *time.Time:
		if x == nil {
			return "—"
		}
		return v.Time(*x)
	}
	return fmt.Sprint(t)
}

// Q returns a query parameter of the request.
func (v *view) Q(name string) string {
	q, _ := url.ParseQuery(v.Query)
	return q.Get(name)
}

// Can reports whether the principal holds perm.
func (v *view) Can(perm string) bool { return v.Principal.Can(bianque.Permission(perm)) }

var displayZone = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// lang picks the request's language: ?lang=, the language cookie, the
// account's locale, Accept-Language.
func (s *Server) lang(r *http.Request, u *bianque.User) string {
	if l := i18n.Normalize(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if c, err := r.Cookie(langCookieName); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	if u != nil && i18n.Supported(u.Locale) {
		return u.Locale
	}
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

func (s *Server) newView(r *http.Request, title string, data any) *view {
	v := &view{Lang: s.lang(r, nil), Languages: i18n.Languages, Principal: principalOf(r), Path: r.URL.Path, Query: r.URL.RawQuery,
		Title: title, Data: data, zone: displayZone}
	if sess := sessionOf(r); sess != nil {
		v.CSRF = sess.CSRFToken
	}
	if v.Principal != nil {
		for _, n := range s.navs {
			if n.Perm == "" || v.Principal.Can(n.Perm) {
				v.Nav = append(v.Nav, n)
			}
		}
	}
	return v
}

// render writes page name with data, or only its "partial" template for
// htmx requests when the page defines one.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) error {
	t, ok := s.portal.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	v := s.newView(r, title, data)
	exec := "layout"
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true" && t.Lookup("partial") != nil {
		exec = "partial"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, exec, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "HX-Request")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// page registers a portal page.
func (s *Server) page(method, pattern string, access Access, h pageFunc) {
	s.pages = append(s.pages, &Page{Method: method, Path: pattern, Access: access})
	s.mux.Handle(method+" "+pattern, s.instrument(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, err := s.resolve(r, access)
		if err == nil {
			err = h(w, r2)
			r = r2
		}
		if err != nil {
			s.pageError(w, r, err)
		}
	})))
}

// nav adds an entry to the navigation bar.
func (s *Server) nav(n NavItem) { s.navs = append(s.navs, n) }

// redirect sends the browser to target; for htmx requests it uses HX-Location.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext keeps a post-sign-in target on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorStatus(err)
	if status == http.StatusUnauthorized {
		target := "/login"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		redirect(w, r, target)
		return
	}
	if status >= 500 {
		s.log.Error("page failed", "path", r.URL.Path, "err", err)
	}
	key := map[int]string{http.StatusNotFound: "error.not_found", http.StatusForbidden: "error.forbidden"}[status]
	data := map[string]any{"Status": status, "Key": key, "Message": bianque.ErrorMessage(err)}
	if rerr := s.render(w, r, status, "error", "error.title", data); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// staticHandler serves the embedded static files with long caching for the
// vendored libraries, whose names change with their version only through
// the vendoring script.
func staticHandler(root fs.FS) http.Handler {
	fsrv := http.FileServerFS(root)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// tenantNames maps the tenants the caller sees to their names, for display.
func (s *Server) tenantNames(ctx context.Context) map[string]*bianque.Tenant {
	out := map[string]*bianque.Tenant{}
	if s.svc.Tenants == nil {
		return out
	}
	f := bianque.TenantFilter{Page: bianque.Page{Limit: bianque.MaxPageLimit}}
	ts, _, err := s.svc.Tenants.Tenants(ctx, f)
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("list tenants for display", "err", err)
	}
	for _, t := range ts {
		out[t.ID] = t
	}
	return out
}
