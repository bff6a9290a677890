package http

import (
	"net/http"
	"time"

	"bianque"
	"bianque/auth/qr"
)

func init() { registerFeature("auth", (*Server).authRoutes) }

// LoginResponse answers the sign-in steps. The session cookie is set on the
// response; csrf_token must accompany every state-changing request made with it.
type LoginResponse struct {
	NeedEnrolment bool          `json:"need_enrolment"`
	NeedTOTP      bool          `json:"need_totp"`
	CSRFToken     string        `json:"csrf_token"`
	User          *bianque.User `json:"user"`
}

// CodeRequest carries a TOTP code.
type CodeRequest struct {
	Code string `json:"code"`
}

// EnrolmentResponse is a new TOTP secret with its QR code.
type EnrolmentResponse struct {
	bianque.TOTPEnrolment
	// QRSVG is the otpauth URI as an SVG QR code.
	QRSVG string `json:"qr_svg"`
}

// Me describes the caller.
type Me struct {
	User        *bianque.User        `json:"user"`
	Principal   *bianque.Principal   `json:"principal"`
	Permissions []bianque.Permission `json:"permissions"`
	// CSRFToken is the session's token; empty for API tokens.
	CSRFToken string `json:"csrf_token,omitempty"`
}

// PasswordRequest sets a password.
type PasswordRequest struct {
	Password string `json:"password"`
}

// TokenRequest creates an API token.
type TokenRequest struct {
	Name        string               `json:"name"`
	Permissions []bianque.Permission `json:"permissions,omitempty"`
	ExpiresAt   *time.Time           `json:"expires_at,omitempty"`
}

// TokenResponse returns a new API token and its secret, shown once.
type TokenResponse struct {
	Token  *bianque.APIToken `json:"token"`
	Secret string            `json:"secret"`
}

func (s *Server) loginResponse(w http.ResponseWriter, res *bianque.LoginResult) *LoginResponse {
	if res.Token != "" {
		s.setSession(w, res.Token, res.Session.ExpiresAt)
	}
	u := *res.User
	u.PasswordHash, u.TOTPSecret, u.LastTOTPStep = "", "", 0
	return &LoginResponse{NeedEnrolment: res.NeedEnrolment, NeedTOTP: res.NeedTOTP, CSRFToken: res.Session.CSRFToken, User: &u}
}

func enrolmentQR(uri string) (string, error) {
	c, err := qr.Encode([]byte(uri), qr.M)
	if err != nil {
		return "", bianque.WrapError(bianque.EINTERNAL, err, "encode QR code")
	}
	return c.SVG(5), nil
}

func (s *Server) authRoutes() {
	auth := s.svc.Auth
	s.api(Route{Method: "POST", Path: "/api/v1/auth/login", ID: "auth.login", Tag: "auth", Access: Public, Scope: ScopeNone,
		Summary: "Sign in with username and password; sets the session cookie. Then enrol or verify TOTP.",
		Body:    bianque.LoginRequest{}, Result: LoginResponse{}, SignIn: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			if err := s.limitSignIn(r); err != nil {
				return nil, err
			}
			var req bianque.LoginRequest
			if err := decode(r, &req); err != nil {
				return nil, err
			}
			req.SourceIP, req.UserAgent = clientIP(r), r.UserAgent()
			res, err := auth.Login(r.Context(), req)
			s.metrics.logins.WithLabelValues("password", loginResult(err)).Inc()
			if err != nil {
				return nil, err
			}
			return s.loginResponse(w, res), nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/auth/enrol", ID: "auth.enrol", Tag: "auth", Access: Pending, Scope: ScopeNone,
		Summary: "Start TOTP enrolment: a new secret, its otpauth URI and QR code. Only before enrolment is complete.",
		Result:  EnrolmentResponse{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			e, err := auth.BeginEnrolment(r.Context(), sessionToken(r))
			if err != nil {
				return nil, err
			}
			svg, err := enrolmentQR(e.URI)
			if err != nil {
				return nil, err
			}
			return &EnrolmentResponse{TOTPEnrolment: *e, QRSVG: svg}, nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/auth/totp", ID: "auth.totp", Tag: "auth", Access: Pending, Scope: ScopeNone,
		Summary: "Give a TOTP code: completes enrolment if pending and the sign-in; replaces the session cookie.",
		Body:    CodeRequest{}, Result: LoginResponse{}, SignIn: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			if err := s.limitSignIn(r); err != nil {
				return nil, err
			}
			var req CodeRequest
			if err := decode(r, &req); err != nil {
				return nil, err
			}
			res, err := auth.VerifyTOTP(r.Context(), sessionToken(r), req.Code, clientIP(r))
			s.metrics.logins.WithLabelValues("totp", loginResult(err)).Inc()
			if err != nil {
				return nil, err
			}
			return s.loginResponse(w, res), nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/auth/logout", ID: "auth.logout", Tag: "auth", Access: Pending, Scope: ScopeNone,
		Summary: "Sign out: ends the session and clears the cookie.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			if err := auth.Logout(r.Context(), sessionToken(r)); err != nil {
				return nil, err
			}
			s.setSession(w, "", time.Time{})
			return nil, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/me", ID: "me.get", Tag: "auth", Access: Authenticated, Scope: ScopeNone,
		Summary: "The caller: account, principal (role, tenants seen from this address) and permissions.", Result: Me{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			p := principalOf(r)
			me := &Me{Principal: p}
			for _, perm := range bianque.RolePermissions(p.Role) {
				if p.Can(perm) {
					me.Permissions = append(me.Permissions, perm)
				}
			}
			if s.svc.Users != nil {
				u, err := s.svc.Users.User(r.Context(), p.UserID)
				if err != nil {
					return nil, err
				}
				me.User = u
			}
			if sess := sessionOf(r); sess != nil {
				me.CSRFToken = sess.CSRFToken
			}
			return me, nil
		})
	if s.svc.Users == nil {
		return
	}
	users := s.svc.Users
	s.api(Route{Method: "PUT", Path: "/api/v1/me/password", ID: "me.password", Tag: "auth", Access: Authenticated, Scope: ScopeNone,
		Summary: "Set one's own password (session only).", Body: PasswordRequest{}, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var req PasswordRequest
			if err := decode(r, &req); err != nil {
				return nil, err
			}
			return nil, users.SetPassword(r.Context(), principalOf(r).UserID, req.Password)
		})
	s.api(Route{Method: "GET", Path: "/api/v1/me/tokens", ID: "me.tokens.list", Tag: "auth", Access: Authenticated, Scope: ScopeNone,
		Summary: "One's API tokens (never their secrets).", Result: bianque.APIToken{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			ts, err := users.APITokens(r.Context(), principalOf(r).UserID)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(ts)}, nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/me/tokens", ID: "me.tokens.create", Tag: "auth", Access: Authenticated, Scope: ScopeNone,
		Summary: "Create an API token, optionally narrowed to some of one's permissions; the secret is shown once.",
		Body:    TokenRequest{}, Result: TokenResponse{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var req TokenRequest
			if err := decode(r, &req); err != nil {
				return nil, err
			}
			t := &bianque.APIToken{Name: req.Name, Permissions: req.Permissions, ExpiresAt: req.ExpiresAt}
			secret, err := users.CreateAPIToken(r.Context(), t)
			if err != nil {
				return nil, err
			}
			return &TokenResponse{Token: t, Secret: secret}, nil
		})
	s.api(Route{Method: "DELETE", Path: "/api/v1/me/tokens/{token}", ID: "me.tokens.delete", Tag: "auth", Access: Authenticated, Scope: ScopeNone,
		Summary: "Revoke one of one's API tokens.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return nil, users.DeleteAPIToken(r.Context(), r.PathValue("token"))
		})
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
