package service

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"bianque"
	"bianque/intel"
)

// IndicatorService keeps indicators of compromise and the feeds they come
// from (R3.3, R8): imports of STIX 2.1 bundles, MISP events and CSV files,
// TAXII 2.1 collections and MISP feeds polled by a periodic job, expiry.
// A tenant's own indicators match only its events; the platform's
// (TenantID "") match every tenant's. Reading needs alert.read, changing
// rule.manage — in the tenant, or, for the platform's, held by provider staff.
type IndicatorService struct {
	*core
	// Detection, when set, reloads this node's matcher after a change.
	Detection Refresher
	// HTTP polls the feeds; nil uses a client with a 60-second timeout.
	HTTP *http.Client
}

// NewIndicatorService returns the indicator service over the services' store.
func NewIndicatorService(s *Services, rt Refresher) *IndicatorService {
	return &IndicatorService{core: s.Tickets.core, Detection: rt}
}

var _ bianque.IndicatorService = (*IndicatorService)(nil)

type indicatorStore interface {
	bianque.IndicatorStore
	bianque.IndicatorScanner
}

func (s *IndicatorService) indicators() (indicatorStore, error) {
	is, ok := s.store.(indicatorStore)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no indicators")
	}
	return is, nil
}

func (s *IndicatorService) feeds() (bianque.IntelFeedStore, error) {
	fs, ok := s.store.(bianque.IntelFeedStore)
	if !ok {
		return nil, bianque.Errorf(bianque.EUNAVAILABLE, "this store keeps no feeds")
	}
	return fs, nil
}

// authorize checks perm in the tenant, or platform-wide for "".
func authorizeScope(ctx context.Context, perm bianque.Permission, tenantID string) (*bianque.Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if tenantID == "" {
		return p, p.AuthorizePlatform(perm)
	}
	return p, p.Authorize(perm, tenantID)
}

// Indicators lists the indicators of f.TenantID ("" the platform's), newest first.
func (s *IndicatorService) Indicators(ctx context.Context, f bianque.IndicatorFilter) ([]*bianque.Indicator, string, error) {
	if _, err := authorizeScope(ctx, bianque.PermAlertRead, f.TenantID); err != nil {
		return nil, "", err
	}
	if f.Type != "" && !f.Type.Valid() {
		return nil, "", bianque.Errorf(bianque.EINVALID, "indicator type %q is unknown", f.Type)
	}
	is, err := s.indicators()
	if err != nil {
		return nil, "", err
	}
	f.Page = f.Page.Normalize()
	list, next, err := is.Indicators(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return list, next, s.auditRead(ctx, f.TenantID, "indicator.list", "indicator", "")
}

// MaxImportSkips bounds the skipped records listed in an import result.
const MaxImportSkips = 100

// save stores what an importer read, as the tenant's ("" the platform's).
func (s *IndicatorService) save(ctx context.Context, tenantID string, res *intel.Result) (*bianque.IndicatorImportResult, error) {
	is, err := s.indicators()
	if err != nil {
		return nil, err
	}
	for _, in := range res.Indicators {
		in.TenantID = tenantID
	}
	out := &bianque.IndicatorImportResult{Read: len(res.Indicators), SkippedCount: len(res.Skipped)}
	for _, sk := range res.Skipped[:min(len(res.Skipped), MaxImportSkips)] {
		out.Skipped = append(out.Skipped, bianque.IndicatorSkip{Ref: sk.Ref, Reason: sk.Reason})
	}
	n, err := is.UpsertIndicators(ctx, res.Indicators)
	if err != nil {
		return nil, err
	}
	out.New, out.Updated = n, len(res.Indicators)-n
	return out, nil
}

// ImportIndicators reads a file of indicators (STIX 2.1 bundle, MISP
// event, CSV) into the tenant's ("" the platform's) indicators: new ones
// are added, known ones (same type and value) replaced, records that are
// not indicators reported with the reason. Needs rule.manage.
func (s *IndicatorService) ImportIndicators(ctx context.Context, tenantID string, in bianque.IndicatorImport) (*bianque.IndicatorImportResult, error) {
	if _, err := authorizeScope(ctx, bianque.PermRuleManage, tenantID); err != nil {
		return nil, err
	}
	if in.Confidence < 0 || in.Confidence > 100 {
		return nil, bianque.Errorf(bianque.EINVALID, "confidence must be 0–100")
	}
	if in.TTL < 0 {
		return nil, bianque.Errorf(bianque.EINVALID, "ttl must not be negative")
	}
	if len(bytes.TrimSpace(in.Data)) == 0 {
		return nil, bianque.Errorf(bianque.EINVALID, "the file is empty")
	}
	opts := intel.Options{Source: strings.TrimSpace(in.Source), Tags: in.Tags, Confidence: in.Confidence, TTL: time.Duration(in.TTL), Now: s.clock.Now()}
	var res *intel.Result
	var err error
	switch in.Format {
	case bianque.FormatSTIX:
		res, err = intel.ParseSTIX(bytes.NewReader(in.Data), opts)
	case bianque.FormatMISP:
		res, err = intel.ParseMISPEvent(bytes.NewReader(in.Data), opts)
	case bianque.FormatCSV:
		res, err = intel.ParseCSV(bytes.NewReader(in.Data), opts)
	default:
		return nil, bianque.Errorf(bianque.EINVALID, "format %q must be stix, misp or csv", in.Format)
	}
	if err != nil {
		return nil, bianque.WrapError(bianque.EINVALID, err, "read %s file: %v", in.Format, err)
	}
	out, err := s.save(ctx, tenantID, res)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, tenantID, "indicator.import", "indicator", "", map[string]any{"format": in.Format, "source": opts.Source,
		"read": out.Read, "new": out.New, "updated": out.Updated, "skipped": out.SkippedCount}); err != nil {
		return nil, err
	}
	s.refresh(ctx, s.Detection)
	return out, nil
}

// DeleteIndicator removes an indicator. Needs rule.manage.
func (s *IndicatorService) DeleteIndicator(ctx context.Context, tenantID, id string) error {
	if _, err := authorizeScope(ctx, bianque.PermRuleManage, tenantID); err != nil {
		return err
	}
	is, err := s.indicators()
	if err != nil {
		return err
	}
	in, err := is.Indicator(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if err := is.DeleteIndicator(ctx, tenantID, id); err != nil {
		return err
	}
	if err := s.audit(ctx, tenantID, "indicator.delete", "indicator", id, map[string]any{"type": in.Type, "value": in.Value}); err != nil {
		return err
	}
	s.refresh(ctx, s.Detection)
	return nil
}

// IntelFeeds lists the tenant's feeds ("" the platform's), without passwords. Needs alert.read.
func (s *IndicatorService) IntelFeeds(ctx context.Context, tenantID string) ([]*bianque.IntelFeed, error) {
	if _, err := authorizeScope(ctx, bianque.PermAlertRead, tenantID); err != nil {
		return nil, err
	}
	fs, err := s.feeds()
	if err != nil {
		return nil, err
	}
	list, err := fs.IntelFeeds(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return list, s.auditRead(ctx, tenantID, "intel.feed.list", "intel_feed", "")
}

// CreateIntelFeed adds a feed, due for its first poll at once. Needs rule.manage.
func (s *IndicatorService) CreateIntelFeed(ctx context.Context, f *bianque.IntelFeed) (*bianque.IntelFeed, error) {
	p, err := authorizeScope(ctx, bianque.PermRuleManage, f.TenantID)
	if err != nil {
		return nil, err
	}
	fs, err := s.feeds()
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	f.ID, f.CreatedBy, f.CreatedAt, f.NextPollAt = "", p.Username, now, now
	f.Cursor, f.LastPollAt, f.LastStatus, f.LastCount = time.Time{}, nil, "", 0
	if err := fs.CreateIntelFeed(ctx, f); err != nil {
		return nil, err
	}
	f.Password = ""
	return f, s.audit(ctx, f.TenantID, "intel.feed.create", "intel_feed", f.ID, map[string]any{"name": f.Name, "kind": f.Kind,
		"url": f.URL, "collection": f.Collection, "every": f.Every})
}

// DeleteIntelFeed removes a feed; its indicators stay until they expire
// or are deleted. Needs rule.manage.
func (s *IndicatorService) DeleteIntelFeed(ctx context.Context, tenantID, id string) error {
	if _, err := authorizeScope(ctx, bianque.PermRuleManage, tenantID); err != nil {
		return err
	}
	fs, err := s.feeds()
	if err != nil {
		return err
	}
	if err := fs.DeleteIntelFeed(ctx, tenantID, id); err != nil {
		return err
	}
	return s.audit(ctx, tenantID, "intel.feed.delete", "intel_feed", id, nil)
}

// PollIntelFeed makes a feed due now: the feed job polls it within a
// minute. Needs rule.manage.
func (s *IndicatorService) PollIntelFeed(ctx context.Context, tenantID, id string) (*bianque.IntelFeed, error) {
	if _, err := authorizeScope(ctx, bianque.PermRuleManage, tenantID); err != nil {
		return nil, err
	}
	fs, err := s.feeds()
	if err != nil {
		return nil, err
	}
	if err := fs.ScheduleIntelFeed(ctx, tenantID, id, s.clock.Now()); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, tenantID, "intel.feed.poll", "intel_feed", id, nil); err != nil {
		return nil, err
	}
	return fs.IntelFeed(ctx, tenantID, id)
}

// PollFeeds is the periodic job that polls the feeds due at now: each
// TAXII collection from its last added-after, each MISP feed from its last
// event timestamp. A failing feed records the failure and is tried again
// next period; the others go on.
func (s *IndicatorService) PollFeeds(ctx context.Context, now time.Time) (string, error) {
	fs, err := s.feeds()
	if err != nil {
		return "", err
	}
	due, err := fs.DueIntelFeeds(ctx, now)
	if err != nil {
		return "", err
	}
	ctx = systemContext(ctx)
	polled, failed, added := 0, 0, 0
	for _, f := range due {
		res, cursor, err := s.poll(ctx, f, now)
		status := ""
		count := 0
		if err == nil {
			var out *bianque.IndicatorImportResult
			if out, err = s.save(ctx, f.TenantID, res); err == nil {
				count = out.Read
				added += out.New
				status = fmt.Sprintf("read %d (new %d), skipped %d", out.Read, out.New, out.SkippedCount)
				_ = s.audit(ctx, f.TenantID, "intel.feed.polled", "intel_feed", f.ID, map[string]any{"read": out.Read, "new": out.New, "skipped": out.SkippedCount})
			}
		}
		if err != nil {
			failed++
			status = "failed: " + bianque.ErrorMessage(err)
			cursor = time.Time{} // keep the old cursor
			s.log.Warn("intelligence feed poll failed", "feed", f.Name, "tenant", f.TenantID, "err", err)
		}
		polled++
		if err := fs.UpdateIntelFeedPoll(ctx, f.TenantID, f.ID, cursor, truncate(status, 500), count, now, now.Add(time.Duration(f.Every))); err != nil {
			return "", err
		}
	}
	if added > 0 {
		s.refresh(ctx, s.Detection)
	}
	return fmt.Sprintf("polled %d feeds (%d failed), %d new indicators", polled, failed, added), nil
}

func (s *IndicatorService) poll(ctx context.Context, f *bianque.IntelFeed, now time.Time) (*intel.Result, time.Time, error) {
	client := s.HTTP
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	opts := intel.Options{Source: f.Name, Tags: f.Tags, Confidence: f.Confidence, TTL: time.Duration(f.TTL), Now: now}
	switch f.Kind {
	case bianque.FeedTAXII:
		c := &intel.TAXIIClient{HTTP: client, Username: f.Username, Password: f.Password}
		return c.Poll(ctx, f.URL, f.Collection, f.Cursor, opts)
	case bianque.FeedMISP:
		if f.Username != "" || f.Password != "" {
			client = withBasicAuth(client, f.Username, f.Password)
		}
		return intel.FetchMISPFeed(ctx, client, f.URL, f.Cursor, opts)
	}
	return nil, time.Time{}, bianque.Errorf(bianque.EINVALID, "feed kind %q is unknown", f.Kind)
}

// withBasicAuth returns a client sending basic authentication on every request.
func withBasicAuth(c *http.Client, user, pass string) *http.Client {
	cc := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.SetBasicAuth(user, pass)
		return base.RoundTrip(r)
	})
	return &cc
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// ExpireDetection is the periodic job that deletes expired indicators and
// forgets alert aggregation windows unused for a day.
func (s *IndicatorService) ExpireDetection(ctx context.Context, now time.Time) (string, error) {
	is, err := s.indicators()
	if err != nil {
		return "", err
	}
	n, err := is.DeleteExpiredIndicators(ctx, now)
	if err != nil {
		return "", err
	}
	var w int64
	if f, ok := s.store.(bianque.AlertFolder); ok {
		if w, err = f.DeleteAlertWindows(ctx, now.Add(-24*time.Hour)); err != nil {
			return "", err
		}
	}
	if n > 0 {
		s.refresh(ctx, s.Detection)
	}
	return fmt.Sprintf("expired %d indicators, forgot %d alert windows", n, w), nil
}
