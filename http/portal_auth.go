package http

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"bianque"
	"bianque/i18n"
)

func init() { registerFeature("auth", (*Server).portalAuthPages) }

type loginPage struct {
	Next     string
	Username string
	Error    string
}

type mfaPage struct {
	Next      string
	Enrol     bool
	Secret    string
	QR        template.HTML
	URI       string
	Error     string
	Username  string
	CSRFToken string
}

func (s *Server) portalAuthPages() {
	auth := s.svc.Auth
	s.page("GET", "/login", Public, func(w http.ResponseWriter, r *http.Request) error {
		return s.render(w, r, http.StatusOK, "login", "login.title", &loginPage{Next: safeNext(r.URL.Query().Get("next"))})
	})
	s.page("POST", "/login", Public, func(w http.ResponseWriter, r *http.Request) error {
		if err := checkOrigin(r); err != nil {
			return err
		}
		next := safeNext(r.PostFormValue("next"))
		if err := s.limitSignIn(r); err != nil {
			return s.render(w, r, ErrorStatus(err), "login", "login.title", &loginPage{Next: next,
				Error: i18n.T(s.lang(r, nil), "login.failed", bianque.ErrorMessage(err))})
		}
		req := bianque.LoginRequest{Username: r.PostFormValue("username"), Password: r.PostFormValue("password"),
			SourceIP: clientIP(r), UserAgent: r.UserAgent()}
		res, err := auth.Login(r.Context(), req)
		s.metrics.logins.WithLabelValues("password", loginResult(err)).Inc()
		if err != nil {
			lang := s.lang(r, nil)
			return s.render(w, r, ErrorStatus(err), "login", "login.title", &loginPage{Next: next, Username: req.Username,
				Error: i18n.T(lang, "login.failed", bianque.ErrorMessage(err))})
		}
		s.setSession(w, res.Token, res.Session.ExpiresAt)
		if res.NeedEnrolment || res.NeedTOTP {
			redirect(w, r, "/login/mfa?next="+url.QueryEscape(next))
			return nil
		}
		redirect(w, r, next)
		return nil
	})
	mfa := func(w http.ResponseWriter, r *http.Request, status int, failure string) error {
		res, err := auth.PendingLogin(r.Context(), sessionToken(r))
		if err != nil {
			return err
		}
		next := safeNext(r.URL.Query().Get("next"))
		if r.Method == http.MethodPost {
			next = safeNext(r.PostFormValue("next"))
		}
		if !res.NeedEnrolment && !res.NeedTOTP {
			redirect(w, r, next)
			return nil
		}
		pg := &mfaPage{Next: next, Enrol: res.NeedEnrolment, Error: failure, Username: res.User.Username, CSRFToken: res.Session.CSRFToken}
		if res.NeedEnrolment {
			e, err := auth.BeginEnrolment(r.Context(), sessionToken(r))
			if err != nil {
				return err
			}
			svg, err := enrolmentQR(e.URI)
			if err != nil {
				return err
			}
			pg.Secret, pg.URI, pg.QR = e.Secret, e.URI, template.HTML(svg) // our own encoder's output
		}
		return s.render(w, r, status, "mfa", "mfa.title", pg)
	}
	s.page("GET", "/login/mfa", Pending, func(w http.ResponseWriter, r *http.Request) error {
		return mfa(w, r, http.StatusOK, "")
	})
	s.page("POST", "/login/mfa", Pending, func(w http.ResponseWriter, r *http.Request) error {
		if err := s.limitSignIn(r); err != nil {
			return mfa(w, r, ErrorStatus(err), i18n.T(s.lang(r, nil), "mfa.failed", bianque.ErrorMessage(err)))
		}
		res, err := auth.VerifyTOTP(r.Context(), sessionToken(r), r.PostFormValue("code"), clientIP(r))
		s.metrics.logins.WithLabelValues("totp", loginResult(err)).Inc()
		if err != nil {
			if bianque.ErrorCode(err) == bianque.EUNAUTHORIZED {
				// A wrong code shows the form again; an expired session
				// makes mfa redirect to the sign-in page.
				return mfa(w, r, http.StatusUnauthorized, i18n.T(s.lang(r, nil), "mfa.failed", bianque.ErrorMessage(err)))
			}
			if bianque.ErrorCode(err) == bianque.ELOCKED {
				return s.render(w, r, http.StatusLocked, "login", "login.title", &loginPage{Next: "/",
					Error: i18n.T(s.lang(r, nil), "login.failed", bianque.ErrorMessage(err))})
			}
			return err
		}
		s.setSession(w, res.Token, res.Session.ExpiresAt)
		redirect(w, r, safeNext(r.PostFormValue("next")))
		return nil
	})
	s.page("POST", "/logout", Pending, func(w http.ResponseWriter, r *http.Request) error {
		if err := auth.Logout(r.Context(), sessionToken(r)); err != nil {
			return err
		}
		s.setSession(w, "", time.Time{})
		redirect(w, r, "/login")
		return nil
	})
	// /lang switches the portal's language for this browser.
	s.page("GET", "/lang", Public, func(w http.ResponseWriter, r *http.Request) error {
		l := i18n.Normalize(r.URL.Query().Get("set"))
		if l == "" {
			l = i18n.Default
		}
		http.SetCookie(w, &http.Cookie{Name: langCookieName, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
		redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return nil
	})
}
