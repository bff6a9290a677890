package service_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"bianque"
	"bianque/event"
	"bianque/service"
	"bianque/storetest"
)

// TestExportThenPurge: a platform administrator exports a hospital as one
// archive (every table's rows and every event, no credentials), then purges
// it; nothing of it is left in any table or event partition.
func TestExportThenPurge(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	es := f.st.(bianque.EventStore)
	evs := storetest.FortiGateEvents(t, f.a.ID, monday10.Add(-48*time.Hour), 2500)
	if _, err := es.AppendEvents(ctx, f.a.ID, evs); err != nil {
		t.Fatal(err)
	}
	if _, err := es.AppendEvents(ctx, f.b.ID, storetest.FortiGateEvents(t, f.b.ID, monday10, 7)); err != nil {
		t.Fatal(err)
	}
	f.ticket(string(bianque.RoleAnalyst), f.a.ID, bianque.TicketThreat, bianque.SeverityMajor)
	exp := service.NewExportService(f.svc)

	var buf bytes.Buffer
	if _, err := exp.ExportTenant(f.as(string(bianque.RoleServiceManager)), f.a.ID, &buf); bianque.ErrorCode(err) != bianque.EFORBIDDEN {
		t.Fatalf("export by a service manager: %v", err)
	}
	if _, err := exp.ExportTenant(f.as("root"), bianque.NewID(), &buf); bianque.ErrorCode(err) != bianque.ENOTFOUND {
		t.Fatalf("export of an unknown tenant: %v", err)
	}
	buf.Reset()
	m, err := exp.ExportTenant(f.as("root"), f.a.ID, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if m.Events != 2500 || m.Rows["tenants"] != 1 || m.Rows["tickets"] != 1 || m.Rows["users"] == 0 || m.Rows["audit_entries"] == 0 {
		t.Fatalf("manifest %+v", m)
	}
	files := readArchive(t, &buf)
	var manifest bianque.ExportManifest
	for name, b := range files {
		if strings.HasSuffix(name, "/manifest.json") {
			if err := json.Unmarshal(b, &manifest); err != nil {
				t.Fatal(err)
			}
		}
		for _, secret := range []string{"password_hash", "totp_secret", "argon2"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Fatalf("%s holds %q", name, secret)
			}
		}
		if bytes.Contains(b, []byte(f.b.ID)) {
			t.Fatalf("%s holds tenant B's ID", name)
		}
	}
	if manifest.Events != 2500 || manifest.TenantCode != "hosp-a" || len(manifest.Files) != len(files)-1 {
		t.Fatalf("manifest in the archive: %+v (%d files)", manifest, len(files))
	}
	var lines int64
	for name, b := range files {
		if !strings.HasSuffix(name, ".ndjson") {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if strings.Contains(name, "/events") {
				if _, err := event.Parse(sc.Bytes()); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				lines++
			} else if !json.Valid(sc.Bytes()) {
				t.Fatalf("%s: bad line %s", name, sc.Text())
			}
		}
	}
	if lines != 2500 {
		t.Fatalf("%d event lines in the archive", lines)
	}

	// Purge: disable, then purge; nothing of A remains anywhere.
	root := f.as("root")
	a, _ := f.st.Tenant(ctx, f.a.ID)
	a.Disabled = true
	if err := f.svc.Tenants.UpdateTenant(root, a); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Tenants.PurgeTenant(root, f.a.ID); err != nil {
		t.Fatal(err)
	}
	counts, err := f.st.(storetest.Raw).TenantRowCounts(ctx, f.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range counts {
		if n != 0 {
			t.Errorf("after export and purge, %s holds %d rows of A", table, n)
		}
	}
	if parts, _ := es.EventPartitions(ctx, f.a.ID); len(parts) != 0 {
		t.Errorf("after purge, A has event partitions %+v", parts)
	}
	if parts, _ := es.EventPartitions(ctx, f.b.ID); len(parts) != 1 || parts[0].Events != 7 {
		t.Errorf("B's events after A's purge: %+v", parts)
	}
	var exported int
	for _, e := range f.auditEntries("") {
		if e.Action == "tenant.export" && e.ObjectID == f.a.ID {
			exported++
		}
	}
	if exported != 1 {
		t.Fatalf("%d platform audit entries of the export", exported)
	}
}

func readArchive(t *testing.T, r io.Reader) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = b
	}
	return out
}
