package service_test

import (
	"testing"

	"bianque"
)

// Hospital administrators manage their own hospital's accounts, with
// hospital roles only; platform administrators manage all accounts.
func TestAccountManagement(t *testing.T) {
	f := newFixture(t)
	ha := f.as("hospital_admin")
	v := &bianque.User{Username: "new-viewer", Role: bianque.RoleHospitalViewer, TenantID: f.a.ID}
	if err := f.svc.Users.CreateUser(ha, v, password); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.Users.CreateUser(ha, &bianque.User{Username: "x-b", Role: bianque.RoleHospitalViewer, TenantID: f.b.ID}, password), bianque.ENOTFOUND)
	wantCode(t, f.svc.Users.CreateUser(ha, &bianque.User{Username: "x-an", Role: bianque.RoleAnalyst, Tenants: []string{f.a.ID}}, password), bianque.EFORBIDDEN)
	wantCode(t, f.svc.Users.CreateUser(ha, &bianque.User{Username: "x-weak", Role: bianque.RoleHospitalViewer, TenantID: f.a.ID}, "short"), bianque.EINVALID)
	wantCode(t, f.svc.Users.CreateUser(ha, &bianque.User{Username: "new-viewer", Role: bianque.RoleHospitalViewer, TenantID: f.a.ID}, password), bianque.ECONFLICT)
	wantCode(t, f.svc.Users.CreateUser(f.as("service_manager"), &bianque.User{Username: "x-sm", Role: bianque.RoleHospitalViewer, TenantID: f.a.ID}, password), bianque.EFORBIDDEN)

	// Promote within the hospital: fine. Into a provider role or another hospital: no.
	up := *v
	up.Role = bianque.RoleHospitalEngineer
	if err := f.svc.Users.UpdateUser(ha, &up); err != nil {
		t.Fatal(err)
	}
	up.Role, up.TenantID, up.Tenants = bianque.RoleAnalyst, "", []string{f.a.ID}
	wantCode(t, f.svc.Users.UpdateUser(ha, &up), bianque.EFORBIDDEN)
	up = *v
	up.Role, up.TenantID = bianque.RoleHospitalEngineer, f.b.ID
	wantCode(t, f.svc.Users.UpdateUser(ha, &up), bianque.ENOTFOUND)
	wantCode(t, f.svc.Users.DeleteUser(ha, f.users["b-admin"].ID), bianque.ENOTFOUND)
	wantCode(t, f.svc.Users.DeleteUser(ha, f.users["analyst"].ID), bianque.EFORBIDDEN)

	// Anyone edits their own contact fields, not their role.
	self := *f.users["hospital_viewer"]
	self.Phone = "13800000000"
	if err := f.svc.Users.UpdateUser(f.as("hospital_viewer"), &self); err != nil {
		t.Fatal(err)
	}
	self.Role = bianque.RoleHospitalAdmin
	wantCode(t, f.svc.Users.UpdateUser(f.as("hospital_viewer"), &self), bianque.EFORBIDDEN)

	// Assigning staff to a tenant is the platform's, and both chains record it.
	an := *f.users["analyst"]
	an.Tenants = []string{f.a.ID, f.b.ID}
	wantCode(t, f.svc.Users.UpdateUser(f.as("service_manager"), &an), bianque.EFORBIDDEN)
	if err := f.svc.Users.UpdateUser(f.as("platform_admin"), &an); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range f.auditEntries(f.b.ID) {
		found = found || (e.Action == "staff.assign" && e.ObjectID == an.ID)
	}
	if !found {
		t.Fatal("assignment to B is not on B's chain")
	}
	// Secrets never leave the service.
	got, err := f.svc.Users.User(f.as("platform_admin"), an.ID)
	if err != nil || got.PasswordHash != "" || got.TOTPSecret != "" {
		t.Fatalf("user read leaks credentials: %+v %v", got, err)
	}
	_, err = f.svc.Users.User(f.as("hospital_admin"), f.users["b-admin"].ID)
	wantCode(t, err, bianque.ENOTFOUND)
}

func TestTenantManagement(t *testing.T) {
	f := newFixture(t)
	sm := f.as("service_manager")
	a := *f.a
	a.Contract.Targets[0].Within = bianque.Duration(45 * 60e9)
	a.AllowedCIDRs = map[bianque.Role][]string{bianque.RoleAnalyst: {"10.0.0.0/8"}}
	if err := f.svc.Tenants.UpdateTenant(sm, &a); err != nil {
		t.Fatalf("service manager edits the contract: %v", err)
	}
	a.Name = "Renamed"
	wantCode(t, f.svc.Tenants.UpdateTenant(sm, &a), bianque.EFORBIDDEN)
	b := *f.b
	wantCode(t, f.svc.Tenants.UpdateTenant(sm, &b), bianque.ENOTFOUND)
	wantCode(t, f.svc.Tenants.UpdateTenant(f.as("hospital_admin"), f.a), bianque.EFORBIDDEN)
	wantCode(t, f.svc.Tenants.CreateTenant(sm, &bianque.Tenant{Code: "c", Name: "C"}), bianque.EFORBIDDEN)
	ts, _, err := f.svc.Tenants.Tenants(sm, bianque.TenantFilter{})
	if err != nil || len(ts) != 1 || ts[0].ID != f.a.ID {
		t.Fatalf("service manager sees %d tenants: %v", len(ts), err)
	}
	ts, _, _ = f.svc.Tenants.Tenants(f.as("platform_admin"), bianque.TenantFilter{})
	if len(ts) != 2 {
		t.Fatalf("platform administrator sees %d tenants", len(ts))
	}
}

// A purge (R2.4, R16.4) removes the tenant's records and chain and leaves a
// verifiable record of itself on the platform chain.
func TestPurgeTenant(t *testing.T) {
	f := newFixture(t)
	pa := f.as("platform_admin")
	tk := f.ticket("b-admin", f.b.ID, bianque.TicketEmergency, bianque.SeverityMajor)
	wantCode(t, f.svc.Tenants.PurgeTenant(pa, f.b.ID), bianque.ECONFLICT) // still enabled
	wantCode(t, f.svc.Tenants.PurgeTenant(f.as("service_manager"), f.b.ID), bianque.EFORBIDDEN)
	b := *f.b
	b.Disabled = true
	if err := f.svc.Tenants.UpdateTenant(pa, &b); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Tenants.PurgeTenant(pa, f.b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Ticket(t.Context(), f.b.ID, tk.ID); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("ticket of the purged tenant: %v", err)
	}
	if _, err := f.st.UserByUsername(t.Context(), "b-admin"); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("account of the purged tenant: %v", err)
	}
	if n := len(f.auditEntries(f.b.ID)); n != 0 {
		t.Fatalf("%d audit entries of the purged tenant remain", n)
	}
	plat := f.auditEntries("")
	last := plat[len(plat)-1]
	if last.Action != "tenant.purge" || last.ObjectID != f.b.ID || last.ActorName != "platform_admin" {
		t.Fatalf("last platform entry %+v", last)
	}
	rep, err := f.svc.Audit.Verify(pa)
	if err != nil || !rep.OK() {
		t.Fatalf("audit after purge: %+v %v", rep, err)
	}
}
