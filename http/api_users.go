package http

import (
	"net/http"

	"bianque"
)

func init() { registerFeature("users", (*Server).userRoutes) }

// UserInput creates or replaces an account. Password is for creation only.
type UserInput struct {
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Email       string       `json:"email,omitempty"`
	Phone       string       `json:"phone,omitempty"`
	Role        bianque.Role `json:"role"`
	TenantID    string       `json:"tenant_id,omitempty"`
	Tenants     []string     `json:"tenants,omitempty"`
	Locale      string       `json:"locale,omitempty"`
	Disabled    bool         `json:"disabled,omitempty"`
	MFAExempt   bool         `json:"mfa_exempt,omitempty"`
	Password    string       `json:"password,omitempty"`
}

func (in *UserInput) user() *bianque.User {
	return &bianque.User{Username: in.Username, DisplayName: in.DisplayName, Email: in.Email, Phone: in.Phone, Role: in.Role,
		TenantID: in.TenantID, Tenants: in.Tenants, Locale: in.Locale, Disabled: in.Disabled, MFAExempt: in.MFAExempt}
}

func (s *Server) userRoutes() {
	svc := s.svc.Users
	if svc == nil {
		return
	}
	s.api(Route{Method: "GET", Path: "/api/v1/users", ID: "users.list", Tag: "users", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermUserRead, PlatformPerm: bianque.PermUserManage,
		Summary: "Accounts of a tenant (its hospital staff and the provider staff assigned to it); all accounts for platform administrators.",
		Query: append([]Param{
			{Name: "tenant", Type: "string", Description: "tenant ID (required for provider staff assigned to several tenants)"},
			{Name: "role", Type: "string", Description: "role"},
			{Name: "provider_only", Type: "boolean", Description: "provider staff only"},
		}, pageParams...),
		Result: bianque.User{}, List: true},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			pg, err := page(r)
			if err != nil {
				return nil, err
			}
			po, err := queryBool(r, "provider_only")
			if err != nil {
				return nil, err
			}
			f := bianque.UserFilter{TenantID: r.URL.Query().Get("tenant"), Role: bianque.Role(r.URL.Query().Get("role")), Page: pg}
			f.ProviderOnly = po != nil && *po
			us, next, err := svc.Users(r.Context(), f)
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(us), NextCursor: next}, nil
		})
	s.api(Route{Method: "POST", Path: "/api/v1/users", ID: "users.create", Tag: "users", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermUserManage, PlatformPerm: bianque.PermUserManage,
		Summary: "Create an account. Hospital administrators create hospital accounts of their hospital; platform administrators any.",
		Body:    UserInput{}, Result: bianque.User{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in UserInput
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			u := in.user()
			if err := svc.CreateUser(r.Context(), u, in.Password); err != nil {
				return nil, err
			}
			u.PasswordHash = ""
			return u, nil
		})
	s.api(Route{Method: "GET", Path: "/api/v1/users/{user}", ID: "users.get", Tag: "users", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermUserRead, PlatformPerm: bianque.PermUserManage,
		Summary: "One account.", Result: bianque.User{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.User(r.Context(), r.PathValue("user"))
		})
	s.api(Route{Method: "PUT", Path: "/api/v1/users/{user}", ID: "users.update", Tag: "users", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermUserManage, PlatformPerm: bianque.PermUserManage,
		Summary: "Replace an account's profile, role, tenant binding or assignments, or disable it. Anyone may edit their own contact fields.",
		Body:    UserInput{}, Result: bianque.User{}},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in UserInput
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			if in.Password != "" {
				return nil, bianque.Errorf(bianque.EINVALID, "set passwords with PUT /api/v1/users/{user}/password")
			}
			u := in.user()
			u.ID = r.PathValue("user")
			if err := svc.UpdateUser(r.Context(), u); err != nil {
				return nil, err
			}
			return u, nil
		})
	s.api(Route{Method: "DELETE", Path: "/api/v1/users/{user}", ID: "users.delete", Tag: "users", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermUserManage, PlatformPerm: bianque.PermUserManage,
		Summary: "Delete an account and end its sessions.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return nil, svc.DeleteUser(r.Context(), r.PathValue("user"))
		})
	s.api(Route{Method: "PUT", Path: "/api/v1/users/{user}/password", ID: "users.password", Tag: "users", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermUserManage, PlatformPerm: bianque.PermUserManage,
		Summary: "Reset an account's password; lifts a lockout and ends its sessions.", Body: PasswordRequest{}, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var req PasswordRequest
			if err := decode(r, &req); err != nil {
				return nil, err
			}
			return nil, svc.SetPassword(r.Context(), r.PathValue("user"), req.Password)
		})
	s.api(Route{Method: "DELETE", Path: "/api/v1/users/{user}/mfa", ID: "users.mfa_reset", Tag: "users", Access: Authenticated,
		Scope: ScopeTenantOrPlatform, Perm: bianque.PermUserManage, PlatformPerm: bianque.PermUserManage,
		Summary: "Reset an account's authenticator (a lost phone): the next sign-in enrols again.", Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return nil, s.svc.Auth.ResetMFA(r.Context(), r.PathValue("user"))
		})
}
