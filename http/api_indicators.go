package http

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"bianque"
)

func init() {
	registerFeature("indicators", (*Server).indicatorRoutes)
	enums[reflect.TypeFor[bianque.IndicatorType]()] = enumValues(bianque.IndicatorTypes)
	enums[reflect.TypeFor[bianque.IndicatorFormat]()] = []string{string(bianque.FormatSTIX), string(bianque.FormatMISP), string(bianque.FormatCSV)}
	enums[reflect.TypeFor[bianque.IntelFeedKind]()] = []string{string(bianque.FeedTAXII), string(bianque.FeedMISP)}
}

// IndicatorImportInput is the JSON form of an import; the same fields may
// be sent as a multipart form with the file in "file".
type IndicatorImportInput struct {
	Format     bianque.IndicatorFormat `json:"format"`
	Content    string                  `json:"content"`
	Source     string                  `json:"source,omitempty"`
	Tags       []string                `json:"tags,omitempty"`
	Confidence int                     `json:"confidence,omitempty"`
	TTL        bianque.Duration        `json:"ttl,omitempty"`
}

// maxImport bounds an uploaded file of indicators.
const maxImport = 32 << 20

// importInput reads an import from JSON or from a multipart form.
func importInput(r *http.Request) (bianque.IndicatorImport, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		var in IndicatorImportInput
		if err := decode(r, &in); err != nil {
			return bianque.IndicatorImport{}, err
		}
		return bianque.IndicatorImport{Format: in.Format, Data: []byte(in.Content), Source: in.Source, Tags: in.Tags,
			Confidence: in.Confidence, TTL: in.TTL}, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxImport+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bianque.IndicatorImport{}, bianque.Errorf(bianque.EINVALID, "the file is larger than %d MiB", maxImport>>20)
		}
		return bianque.IndicatorImport{}, bianque.Errorf(bianque.EINVALID, "bad multipart form: %v", err)
	}
	in := bianque.IndicatorImport{Format: bianque.IndicatorFormat(r.FormValue("format")), Source: r.FormValue("source")}
	for _, t := range strings.FieldsFunc(r.FormValue("tags"), func(c rune) bool { return c == ',' || c == ' ' }) {
		in.Tags = append(in.Tags, t)
	}
	if v := strings.TrimSpace(r.FormValue("confidence")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, bianque.Errorf(bianque.EINVALID, "confidence must be a number 0–100")
		}
		in.Confidence = n
	}
	if v := strings.TrimSpace(r.FormValue("ttl_days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return in, bianque.Errorf(bianque.EINVALID, "ttl_days must be a number of days")
		}
		in.TTL = bianque.Duration(time.Duration(n) * 24 * time.Hour)
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return in, bianque.Errorf(bianque.EINVALID, "the form has no file")
	}
	defer f.Close()
	if hdr.Size > maxImport {
		return in, bianque.Errorf(bianque.EINVALID, "the file is larger than %d MiB", maxImport>>20)
	}
	if in.Data, err = io.ReadAll(io.LimitReader(f, maxImport)); err != nil {
		return in, bianque.Errorf(bianque.EINVALID, "read the file: %v", err)
	}
	if in.Format == "" {
		in.Format = guessFormat(hdr.Filename, in.Data)
	}
	return in, nil
}

// guessFormat names the format of an uploaded file from its name or content.
func guessFormat(name string, data []byte) bianque.IndicatorFormat {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".csv") || strings.HasSuffix(lower, ".txt"):
		return bianque.FormatCSV
	case strings.Contains(string(data[:min(len(data), 4096)]), `"type": "bundle"`) || strings.Contains(string(data[:min(len(data), 4096)]), `"type":"bundle"`):
		return bianque.FormatSTIX
	case strings.HasSuffix(lower, ".json"):
		return bianque.FormatMISP
	}
	return ""
}

var indicatorFilterParams = append([]Param{
	{Name: "type", Type: "string", Enum: enumValues(bianque.IndicatorTypes)},
	{Name: "tag", Type: "string", Description: "attribution tag, e.g. apt29 or tlp:amber"},
	{Name: "source", Type: "string"},
	{Name: "q", Type: "string", Description: "text in the value"},
}, pageParams...)

func indicatorFilter(r *http.Request, tenant string) (bianque.IndicatorFilter, error) {
	pg, err := page(r)
	if err != nil {
		return bianque.IndicatorFilter{}, err
	}
	q := r.URL.Query()
	return bianque.IndicatorFilter{TenantID: tenant, Type: bianque.IndicatorType(q.Get("type")), Tag: q.Get("tag"), Source: q.Get("source"),
		Query: q.Get("q"), Page: pg}, nil
}

func (s *Server) indicatorRoutes() {
	svc := s.svc.Indicators
	if svc == nil {
		return
	}
	// The same operations for a hospital's own intelligence and for the
	// platform's (provider staff), which reaches every hospital.
	for _, scope := range []struct {
		base, id, who string
		scope         Scope
		tenant        func(r *http.Request) string
	}{
		{"/api/v1/tenants/{tenant}", "", "the hospital's own", ScopeTenant, func(r *http.Request) string { return r.PathValue("tenant") }},
		{"/api/v1", "platform_", "the platform's (every hospital)", ScopePlatform, func(r *http.Request) string { return "" }},
	} {
		tenant := scope.tenant
		s.api(Route{Method: "GET", Path: scope.base + "/indicators", ID: "indicators." + scope.id + "list", Tag: "indicators", Access: Authenticated,
			Scope: scope.scope, Perm: bianque.PermAlertRead, Summary: "Indicators of compromise, " + scope.who + ", newest first (R3.3).",
			Query: indicatorFilterParams, Result: bianque.Indicator{}, List: true},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				f, err := indicatorFilter(r, tenant(r))
				if err != nil {
					return nil, err
				}
				list, next, err := svc.Indicators(r.Context(), f)
				if err != nil {
					return nil, err
				}
				return listResult{Items: nonNil(list), NextCursor: next}, nil
			})
		s.api(Route{Method: "POST", Path: scope.base + "/indicators/import", ID: "indicators." + scope.id + "import", Tag: "indicators",
			Access: Authenticated, Scope: scope.scope, Perm: bianque.PermRuleManage,
			Summary: "Import a STIX 2.1 bundle, MISP event or CSV file into " + scope.who + " indicators: JSON, or multipart/form-data with " +
				"file, format, source, tags, confidence, ttl_days. Known indicators are replaced; skipped records are listed with the reason.",
			Body: IndicatorImportInput{}, Result: bianque.IndicatorImportResult{}},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				in, err := importInput(r)
				if err != nil {
					return nil, err
				}
				return svc.ImportIndicators(r.Context(), tenant(r), in)
			})
		s.api(Route{Method: "DELETE", Path: scope.base + "/indicators/{indicator}", ID: "indicators." + scope.id + "delete", Tag: "indicators",
			Access: Authenticated, Scope: scope.scope, Perm: bianque.PermRuleManage, Summary: "Remove one of " + scope.who + " indicators.",
			Status: http.StatusNoContent},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				return nil, svc.DeleteIndicator(r.Context(), tenant(r), r.PathValue("indicator"))
			})
		s.api(Route{Method: "GET", Path: scope.base + "/intel-feeds", ID: "feeds." + scope.id + "list", Tag: "indicators", Access: Authenticated,
			Scope: scope.scope, Perm: bianque.PermAlertRead, Summary: "Threat-intelligence feeds, " + scope.who + ", with the outcome of their last poll.",
			Result: bianque.IntelFeed{}, List: true},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				list, err := svc.IntelFeeds(r.Context(), tenant(r))
				if err != nil {
					return nil, err
				}
				return listResult{Items: nonNil(list)}, nil
			})
		s.api(Route{Method: "POST", Path: scope.base + "/intel-feeds", ID: "feeds." + scope.id + "create", Tag: "indicators", Access: Authenticated,
			Scope: scope.scope, Perm: bianque.PermRuleManage,
			Summary: "Add a TAXII 2.1 collection (url = API root, collection) or a MISP feed (url) polled every period; the password is write-only.",
			Body:    bianque.IntelFeed{}, Result: bianque.IntelFeed{}, Status: http.StatusCreated},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				var f bianque.IntelFeed
				if err := decode(r, &f); err != nil {
					return nil, err
				}
				f.TenantID = tenant(r)
				return svc.CreateIntelFeed(r.Context(), &f)
			})
		s.api(Route{Method: "DELETE", Path: scope.base + "/intel-feeds/{feed}", ID: "feeds." + scope.id + "delete", Tag: "indicators",
			Access: Authenticated, Scope: scope.scope, Perm: bianque.PermRuleManage, Summary: "Remove a feed (its indicators stay until they expire).",
			Status: http.StatusNoContent},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				return nil, svc.DeleteIntelFeed(r.Context(), tenant(r), r.PathValue("feed"))
			})
		s.api(Route{Method: "POST", Path: scope.base + "/intel-feeds/{feed}/poll", ID: "feeds." + scope.id + "poll", Tag: "indicators",
			Access: Authenticated, Scope: scope.scope, Perm: bianque.PermRuleManage,
			Summary: "Poll a feed now: it becomes due and the feed job polls it within a minute.", Result: bianque.IntelFeed{}, Status: http.StatusAccepted},
			func(w http.ResponseWriter, r *http.Request) (any, error) {
				return svc.PollIntelFeed(r.Context(), tenant(r), r.PathValue("feed"))
			})
	}
}
