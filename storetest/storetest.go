// Package storetest is the conformance suite every implementation of
// bianque.Store runs (sqlite, postgres): the semantics the rest of the
// platform relies on — tenant isolation, ENOTFOUND/ECONFLICT, optimistic
// concurrency, per-tenant ticket numbers under concurrency, cursor paging,
// every filter, the audit hash chain and its tamper detection, and a purge
// that leaves no row of the tenant in any table.
//
// An implementation's test calls Run with a function opening a fresh, empty
// store. Besides bianque.Store the store must implement Raw, which lets the
// suite look at and tamper with the rows underneath.
package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"bianque"
)

// Raw is the maintenance surface the suite needs to check what the store
// holds and to tamper with it.
type Raw interface {
	// ExecRaw runs one statement as it is; the suite uses literal values only.
	ExecRaw(ctx context.Context, query string, args ...any) (int64, error)
	// QueryRaw runs one query as it is.
	QueryRaw(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// TenantTables lists every table with a tenant_id column.
	TenantTables(ctx context.Context) ([]string, error)
	// TenantRowCounts counts the tenant's rows per table (tenants included).
	TenantRowCounts(ctx context.Context, tenantID string) (map[string]int64, error)
}

// Opener returns a fresh, empty store that is closed when t ends.
type Opener func(t *testing.T) bianque.Store

// Run runs the conformance suite.
func Run(t *testing.T, open Opener) {
	t.Run("Ping", func(t *testing.T) { testPing(t, open(t)) })
	t.Run("Tenants", func(t *testing.T) { testTenants(t, open(t)) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open(t)) })
	t.Run("APITokens", func(t *testing.T) { testAPITokens(t, open(t)) })
	t.Run("Tickets", func(t *testing.T) { testTickets(t, open(t)) })
	t.Run("TicketFilters", func(t *testing.T) { testTicketFilters(t, open(t)) })
	t.Run("TicketNumbersConcurrent", func(t *testing.T) { testTicketNumbersConcurrent(t, open(t)) })
	t.Run("Assets", func(t *testing.T) { testAssets(t, open(t)) })
	t.Run("AssetFilters", func(t *testing.T) { testAssetFilters(t, open(t)) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, open(t)) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open(t)) })
	t.Run("AuditConcurrent", func(t *testing.T) { testAuditConcurrent(t, open(t)) })
	t.Run("AuditTamper", func(t *testing.T) { testAuditTamper(t, open(t)) })
	t.Run("Components", func(t *testing.T) { testComponents(t, open(t)) })
	t.Run("DeadLetters", func(t *testing.T) { testDeadLetters(t, open(t)) })
	t.Run("Findings", func(t *testing.T) { testFindings(t, open(t)) })
	t.Run("Scans", func(t *testing.T) { testScans(t, open(t)) })
	t.Run("JobRuns", func(t *testing.T) { testJobRuns(t, open(t)) })
	t.Run("Alerts", func(t *testing.T) { testAlerts(t, open(t)) })
	t.Run("AlertFold", func(t *testing.T) { testAlertFold(t, open(t)) })
	t.Run("AlertFilters", func(t *testing.T) { testAlertFilters2(t, open(t)) })
	t.Run("RuleStore", func(t *testing.T) { testRuleStore(t, open(t)) })
	t.Run("Indicators", func(t *testing.T) { testIndicators(t, open(t)) })
	t.Run("Feeds", func(t *testing.T) { testFeeds(t, open(t)) })
	t.Run("Purge", func(t *testing.T) { testPurge(t, open(t)) })
}

// RunEncryption checks field encryption at rest: open must return a fresh
// store that encrypts with key.
func RunEncryption(t *testing.T, open func(t *testing.T, key []byte) bianque.Store) {
	testEncryption(t, open)
	testFeedEncryption(t, open(t, []byte("0123456789abcdef0123456789abcdef")))
}

var ctx = context.Background()

// base is the suite's clock origin; times have millisecond precision so that
// they survive every store's timestamp type exactly (PostgreSQL keeps
// microseconds), except where a test checks nanoseconds on purpose.
var base = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

var tick atomic.Int64

// at returns a distinct, increasing time after base.
func at() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Millisecond) }

func raw(t *testing.T, s bianque.Store) Raw {
	t.Helper()
	r, ok := s.(Raw)
	if !ok {
		t.Fatalf("%T does not implement storetest.Raw", s)
	}
	return r
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := bianque.ErrorCode(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// same compares the JSON forms of got and want.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: marshal: %v %v", what, err1, err2)
	}
	if string(g) != string(w) {
		t.Fatalf("%s differs\n got: %s\nwant: %s", what, g, w)
	}
}

func ptr[T any](v T) *T { return &v }

var codes atomic.Int64

func newTenant(t *testing.T, s bianque.Store) *bianque.Tenant {
	t.Helper()
	now := at()
	tn := &bianque.Tenant{
		ID:        bianque.NewIDAt(now),
		Code:      fmt.Sprintf("h%03d", codes.Add(1)),
		Name:      "Hospital",
		Contract:  bianque.DefaultContract(),
		CreatedAt: now,
		UpdatedAt: now,
	}
	must(t, s.CreateTenant(ctx, tn), "create tenant")
	return tn
}

func testPing(t *testing.T, s bianque.Store) {
	must(t, s.Ping(ctx), "ping")
}
