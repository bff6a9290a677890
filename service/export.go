package service

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"bianque"
)

// ExportService implements bianque.TenantExportService (R2.4): one archive
// of everything a tenant holds, for a platform administrator, typically
// before the tenant is purged.
type ExportService struct{ *core }

var _ bianque.TenantExportService = (*ExportService)(nil)

// NewExportService returns the export service over the services' store.
func NewExportService(s *Services) *ExportService { return &ExportService{core: s.Tenants.core} }

// exportChunk bounds one file of the archive: a tar entry needs its size
// before its content, so content is buffered and cut at line ends.
const exportChunk = 16 << 20

// ExportTenant implements bianque.TenantExportService. It needs tenant.manage
// on the platform; a tenant that does not exist is ENOTFOUND. The archive
// holds, under one directory named after the tenant and the time,
// tables/<table>.ndjson (the tenant's record and its rows of every table,
// credentials left out), events.ndjson (every event, oldest day first),
// larger files cut into .2.ndjson, .3.ndjson … of at most 16 MiB, and
// manifest.json last. The export is recorded in the platform's audit chain
// and the tenant's. An error midway leaves a truncated archive: the caller
// must not take it for complete (the manifest comes last).
func (s *ExportService) ExportTenant(ctx context.Context, tenantID string, w io.Writer) (*bianque.ExportManifest, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.AuthorizePlatform(bianque.PermTenantManage); err != nil {
		return nil, err
	}
	tn, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return nil, hideNotFound(err, "tenant")
	}
	rows, ok := s.store.(bianque.TenantDataExporter)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store cannot export tenants")
	}
	now := s.clock.Now().UTC()
	m := &bianque.ExportManifest{Format: 1, TenantID: tn.ID, TenantCode: tn.Code, TenantName: tn.Name, ExportedAt: now,
		ExportedBy: p.Username, Rows: map[string]int64{}}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	dir := fmt.Sprintf("bianque-export-%s-%s/", tn.Code, now.Format("20060102T150405Z"))
	a := &archive{tw: tw, dir: dir, at: now, m: m}

	var cur *chunked
	err = rows.ExportTenantRows(ctx, tn.ID, func(table string, row map[string]any) error {
		if cur == nil || cur.base != "tables/"+table {
			if err := cur.close(); err != nil {
				return err
			}
			cur = a.file("tables/" + table)
		}
		b, err := json.Marshal(row)
		if err != nil {
			return fmt.Errorf("export %s: %w", table, err)
		}
		m.Rows[table]++
		_, err = cur.Write(append(b, '\n'))
		return err
	})
	if err == nil {
		err = cur.close()
	}
	if err != nil {
		return nil, err
	}
	if es, ok := s.store.(bianque.EventStore); ok {
		ev := a.file("events")
		n, err := es.ExportTenantEvents(ctx, tn.ID, ev)
		if err != nil {
			return nil, fmt.Errorf("export events: %w", err)
		}
		m.Events = n
		if err := ev.close(); err != nil {
			return nil, err
		}
	}
	slices.Sort(m.Files)
	mb, _ := json.MarshalIndent(m, "", "  ")
	if err := a.entry("manifest.json", mb); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	detail := map[string]any{"code": tn.Code, "rows": m.Rows, "events": m.Events}
	if err := s.audit(ctx, "", "tenant.export", "tenant", tn.ID, detail); err != nil {
		return m, err
	}
	return m, s.audit(ctx, tn.ID, "tenant.export", "tenant", tn.ID, detail)
}

// archive writes the entries of an export.
type archive struct {
	tw  *tar.Writer
	dir string
	at  time.Time
	m   *bianque.ExportManifest
}

func (a *archive) entry(name string, b []byte) error {
	if err := a.tw.WriteHeader(&tar.Header{Name: a.dir + name, Mode: 0o600, Size: int64(len(b)), ModTime: a.at, Typeflag: tar.TypeReg,
		Format: tar.FormatPAX}); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	if _, err := a.tw.Write(b); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	if name != "manifest.json" {
		a.m.Files = append(a.m.Files, name)
	}
	return nil
}

func (a *archive) file(base string) *chunked { return &chunked{a: a, base: base} }

// chunked buffers an NDJSON file and writes it as entries of at most
// exportChunk bytes, cut after a newline.
type chunked struct {
	a    *archive
	base string
	buf  bytes.Buffer
	n    int
}

func (c *chunked) Write(p []byte) (int, error) {
	c.buf.Write(p)
	for c.buf.Len() >= exportChunk {
		b := c.buf.Bytes()
		cut := bytes.LastIndexByte(b[:exportChunk], '\n') + 1
		if cut == 0 {
			cut = len(b) // one line longer than a chunk: kept whole
		}
		if err := c.emit(b[:cut]); err != nil {
			return 0, err
		}
		c.buf.Next(cut)
	}
	return len(p), nil
}

func (c *chunked) emit(b []byte) error {
	c.n++
	name := c.base + ".ndjson"
	if c.n > 1 {
		name = fmt.Sprintf("%s.%d.ndjson", c.base, c.n)
	}
	return c.a.entry(name, b)
}

// close writes what is buffered (an empty file for a table or event stream
// without content, so the archive shows it was exported).
func (c *chunked) close() error {
	if c == nil {
		return nil
	}
	if c.buf.Len() > 0 || c.n == 0 {
		if err := c.emit(c.buf.Bytes()); err != nil {
			return err
		}
		c.buf.Reset()
	}
	return nil
}
