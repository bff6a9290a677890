package bianque

import (
	"context"
	"net/mail"
	"regexp"
	"time"
)

// User is a person who signs in: provider staff or hospital staff.
type User struct {
	ID          string `json:"id"`
	Username    string `json:"username"` // unique login name
	DisplayName string `json:"display_name"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Role        Role   `json:"role"`
	// TenantID binds a hospital-side user to its hospital; empty for provider staff.
	TenantID string `json:"tenant_id,omitempty"`
	// Tenants are the hospitals a provider-side user is assigned to (R15.3).
	Tenants []string `json:"tenants,omitempty"`
	// Locale is "zh-CN" or "en".
	Locale string `json:"locale,omitempty"`

	PasswordHash string `json:"-"` // argon2id, PHC string format
	// TOTPSecret is the base32 secret; empty until enrolled.
	TOTPSecret string `json:"-"`
	// MFAEnrolled is set once the person has proved a TOTP code after enrolment.
	MFAEnrolled bool `json:"mfa_enrolled"`
	// MFAExempt lets an account sign in with a password alone; off by default (R15.2).
	MFAExempt bool `json:"mfa_exempt,omitempty"`
	// LastTOTPStep is the last accepted TOTP time step, so that a code cannot be replayed.
	LastTOTPStep int64 `json:"-"`

	FailedLogins int        `json:"failed_logins,omitempty"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	Disabled     bool       `json:"disabled,omitempty"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._@-]{1,63}$`)

// Validate checks the user's fields and the tenant binding of its role.
func (u *User) Validate() error {
	if !usernameRE.MatchString(u.Username) {
		return Errorf(EINVALID, "username %q must be 2–64 letters, digits or . _ @ -", u.Username)
	}
	if !u.Role.Valid() {
		return Errorf(EINVALID, "unknown role %q", u.Role)
	}
	if u.Role.IsHospital() && u.TenantID == "" {
		return Errorf(EINVALID, "a %s must belong to a hospital", u.Role)
	}
	if !u.Role.IsHospital() && u.TenantID != "" {
		return Errorf(EINVALID, "a %s is provider staff and belongs to no hospital; assign tenants instead", u.Role)
	}
	if u.Role.IsHospital() && len(u.Tenants) > 0 {
		return Errorf(EINVALID, "hospital users cannot be assigned to other tenants")
	}
	if u.Email != "" {
		if _, err := mail.ParseAddress(u.Email); err != nil {
			return Errorf(EINVALID, "email %q is not an address", u.Email)
		}
	}
	if u.Locale != "" && u.Locale != "zh-CN" && u.Locale != "en" {
		return Errorf(EINVALID, "locale %q must be zh-CN or en", u.Locale)
	}
	return nil
}

// Principal returns the principal of a signed-in user.
func (u *User) Principal() *Principal {
	return &Principal{UserID: u.ID, Username: u.Username, Role: u.Role, TenantID: u.TenantID, Tenants: append([]string(nil), u.Tenants...)}
}

// Locked reports whether the account is locked at now.
func (u *User) Locked(now time.Time) bool { return u.LockedUntil != nil && now.Before(*u.LockedUntil) }

// Session is a signed-in browser session. Only a hash of the cookie value is stored.
type Session struct {
	ID        string `json:"id"`
	TokenHash string `json:"-"`
	UserID    string `json:"user_id"`
	CSRFToken string `json:"-"`
	// MFAPassed is false between the password step and the TOTP step.
	MFAPassed  bool      `json:"mfa_passed"`
	SourceIP   string    `json:"source_ip"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// APIToken lets a machine call the API as its owner, optionally narrowed to a
// set of permissions and a tenant. Only a hash of the secret is stored.
type APIToken struct {
	ID          string       `json:"id"`
	UserID      string       `json:"user_id"`
	Name        string       `json:"name"`
	TokenHash   string       `json:"-"`
	Prefix      string       `json:"prefix"` // first characters of the secret, to recognise it
	Permissions []Permission `json:"permissions,omitempty"`
	ExpiresAt   *time.Time   `json:"expires_at,omitempty"`
	LastUsedAt  *time.Time   `json:"last_used_at,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
}

// UserFilter selects users.
type UserFilter struct {
	// TenantID selects hospital users of a tenant and provider staff assigned to it.
	TenantID string
	Role     Role
	// ProviderOnly selects provider staff only.
	ProviderOnly bool
	Page
}

// LoginResult is the outcome of a password step.
type LoginResult struct {
	User    *User    `json:"user"`
	Session *Session `json:"-"`
	// Token is the cookie value (only returned once).
	Token string `json:"-"`
	// NeedEnrolment: the account must enrol TOTP before it can continue.
	NeedEnrolment bool `json:"need_enrolment"`
	// NeedTOTP: a TOTP code must be given next.
	NeedTOTP bool `json:"need_totp"`
}

// UserService manages users with authorization and audit.
type UserService interface {
	CreateUser(ctx context.Context, u *User, password string) error
	User(ctx context.Context, id string) (*User, error)
	Users(ctx context.Context, f UserFilter) ([]*User, string, error)
	UpdateUser(ctx context.Context, u *User) error
	SetPassword(ctx context.Context, id, password string) error
	DeleteUser(ctx context.Context, id string) error
	CreateAPIToken(ctx context.Context, t *APIToken) (secret string, err error)
	APITokens(ctx context.Context, userID string) ([]*APIToken, error)
	DeleteAPIToken(ctx context.Context, id string) error
}
