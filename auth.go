package bianque

import "context"

// LoginRequest is the password step of a sign-in.
type LoginRequest struct {
	Username  string `json:"username"`
	Password  string `json:"password"`
	SourceIP  string `json:"-"`
	UserAgent string `json:"-"`
}

// TOTPEnrolment is what a person needs to add the account to an
// authenticator app: the secret (for typing) and the otpauth:// URI (for the QR code).
type TOTPEnrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"uri"`
}

// AuthService signs people in and resolves credentials to principals.
//
// Sign-in has two steps. Login checks the password and opens a session that
// has not passed MFA yet; the caller then either enrols TOTP (BeginEnrolment,
// then VerifyTOTP with a code from the new secret, which completes enrolment)
// or gives a code (VerifyTOTP). Only a session that passed MFA authenticates
// requests. Failed passwords and codes count towards the lockout; a code's
// time step is accepted once. Errors: EUNAUTHORIZED for bad credentials,
// ELOCKED while locked, EFORBIDDEN when the source address is not allowed.
type AuthService interface {
	Login(ctx context.Context, req LoginRequest) (*LoginResult, error)
	// PendingLogin reports what the session still needs (enrolment or a code).
	PendingLogin(ctx context.Context, sessionToken string) (*LoginResult, error)
	// BeginEnrolment returns the TOTP secret to enrol for the session's user
	// (a new one, or the one pending); only while enrolment is not complete.
	BeginEnrolment(ctx context.Context, sessionToken string) (*TOTPEnrolment, error)
	// VerifyTOTP checks a code, completes enrolment if pending, marks MFA
	// passed and returns the result with a new session token (the old one ends).
	VerifyTOTP(ctx context.Context, sessionToken, code, sourceIP string) (*LoginResult, error)
	// Authenticate resolves a session cookie from sourceIP to its principal.
	Authenticate(ctx context.Context, sessionToken, sourceIP string) (*Principal, *Session, error)
	// AuthenticateAPIToken resolves an API token secret from sourceIP.
	AuthenticateAPIToken(ctx context.Context, secret, sourceIP string) (*Principal, error)
	Logout(ctx context.Context, sessionToken string) error
	// ResetMFA clears a user's TOTP enrolment so that the next sign-in enrols
	// again (a lost phone); user managers only.
	ResetMFA(ctx context.Context, userID string) error
}
