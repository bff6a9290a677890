package http

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"bianque"
)

type ctxKey int

const (
	clientIPKey ctxKey = iota
	sessionTokenKey
	sessionKey
)

// Cookie names; with SecureCookies the session cookie takes the __Host-
// prefix, which browsers accept only with Secure, Path=/ and no Domain.
const (
	sessionCookieName = "bianque_session"
	langCookieName    = "bianque_lang"
	csrfHeader        = "X-CSRF-Token"
	csrfField         = "csrf_token"
	// maxUpload bounds a multipart request (a portal file upload).
	maxUpload = 64 << 20
)

func (s *Server) sessionCookie() string {
	if s.cfg.SecureCookies {
		return "__Host-" + sessionCookieName
	}
	return sessionCookieName
}

// setSession sets (or, with token "", clears) the session cookie.
func (s *Server) setSession(w http.ResponseWriter, token string, expires time.Time) {
	c := &http.Cookie{Name: s.sessionCookie(), Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode}
	if token == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

// clientIP returns the client address of r (set by sourceGate).
func clientIP(r *http.Request) string {
	if a, ok := r.Context().Value(clientIPKey).(netip.Addr); ok && a.IsValid() {
		return a.String()
	}
	return ""
}

func sessionToken(r *http.Request) string {
	t, _ := r.Context().Value(sessionTokenKey).(string)
	return t
}

func sessionOf(r *http.Request) *bianque.Session {
	t, _ := r.Context().Value(sessionKey).(*bianque.Session)
	return t
}

// remoteAddr resolves the client address: the peer, or, when the peer is a
// trusted proxy, the right-most address of X-Forwarded-For that is not one.
func (s *Server) remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, _ := netip.ParseAddr(host)
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a malformed chain: trust nothing beyond the proxy
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a
		}
	}
	return peer
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// sourceGate records the client address and applies the global allow-list.
func (s *Server) sourceGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := s.remoteAddr(r)
		r = r.WithContext(context.WithValue(r.Context(), clientIPKey, ip))
		if len(s.cfg.AllowedSources) > 0 && r.URL.Path != "/healthz" {
			ok := false
			for _, p := range s.cfg.AllowedSources {
				ok = ok || p.Contains(ip)
			}
			if !ok {
				s.metrics.denied.Inc()
				http.Error(w, "source address not allowed", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if v, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(v)
	}
	return ""
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkOrigin refuses a state-changing cookie request whose Origin (or,
// without one, Referer) names another host: SameSite=Strict already keeps
// the cookie off such requests in current browsers; this covers the rest.
func checkOrigin(r *http.Request) error {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return nil
	}
	u, err := url.Parse(src)
	if err != nil || !strings.EqualFold(u.Host, r.Host) {
		return bianque.Errorf(bianque.EFORBIDDEN, "cross-origin request refused")
	}
	return nil
}

// checkCSRF compares the request's CSRF token (header, or form field for
// portal forms) with the session's.
func checkCSRF(r *http.Request, sess *bianque.Session) error {
	if safeMethod(r.Method) {
		return nil
	}
	if err := checkOrigin(r); err != nil {
		return err
	}
	got := r.Header.Get(csrfHeader)
	ct := r.Header.Get("Content-Type")
	switch {
	case got != "":
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		got = r.PostFormValue(csrfField)
	case strings.HasPrefix(ct, "multipart/form-data"):
		// Portal forms that upload a file (custom rules, indicator files,
		// device lists) carry the token as a form field too; the body is
		// bounded and parts beyond 8 MiB go to disk.
		r.Body = http.MaxBytesReader(nil, r.Body, maxUpload)
		if err := r.ParseMultipartForm(8 << 20); err == nil {
			got = r.PostFormValue(csrfField)
		}
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
		return bianque.Errorf(bianque.EFORBIDDEN, "missing or wrong CSRF token (send the %s header)", csrfHeader)
	}
	return nil
}

// resolve authenticates r for access and returns the request carrying the
// principal (and the session token and session for cookie requests).
func (s *Server) resolve(r *http.Request, access Access) (*http.Request, error) {
	if access == Public {
		return r, nil
	}
	ctx := r.Context()
	ip := clientIP(r)
	if tok := bearerToken(r); tok != "" {
		if access == Pending {
			return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "sign-in steps take the session cookie, not an API token")
		}
		p, err := s.svc.Auth.AuthenticateAPIToken(ctx, tok, ip)
		if err != nil {
			return nil, err
		}
		return r.WithContext(bianque.NewContextWithPrincipal(ctx, p)), nil
	}
	c, err := r.Cookie(s.sessionCookie())
	if err != nil || c.Value == "" {
		return nil, bianque.Errorf(bianque.EUNAUTHORIZED, "authentication required")
	}
	ctx = context.WithValue(ctx, sessionTokenKey, c.Value)
	var sess *bianque.Session
	if access == Pending {
		res, err := s.svc.Auth.PendingLogin(ctx, c.Value)
		if err != nil {
			return nil, err
		}
		sess = res.Session
	} else {
		p, ss, err := s.svc.Auth.Authenticate(ctx, c.Value, ip)
		if err != nil {
			return nil, err
		}
		sess = ss
		ctx = bianque.NewContextWithPrincipal(ctx, p)
	}
	ctx = context.WithValue(ctx, sessionKey, sess)
	r = r.WithContext(ctx)
	if err := checkCSRF(r, sess); err != nil {
		return nil, err
	}
	return r, nil
}

// authenticate wraps an API handler.
func (s *Server) authenticate(access Access, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, err := s.resolve(r, access)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		next.ServeHTTP(w, r2)
	})
}

// securityHeaders sets the headers every response carries. The CSP allows
// scripts and styles from the server only: no inline code, no CDN.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a handler panic into a 500 and a log line with the stack.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
