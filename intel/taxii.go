package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TAXIIMediaType is the media type of TAXII 2.1 requests and responses.
const TAXIIMediaType = "application/taxii+json;version=2.1"

// TAXIIClient reads collections of a TAXII 2.1 server.
type TAXIIClient struct {
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
	// Username and Password, when set, are sent as HTTP basic authentication.
	Username, Password string
	// PageSize is the limit asked per request (the server may lower it); 0 leaves it to the server.
	PageSize int
	// MaxPages bounds one poll; 0 means 10000.
	MaxPages int
}

// TAXIIError is a TAXII error response.
type TAXIIError struct {
	Status      int    `json:"-"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

func (e *TAXIIError) Error() string {
	s := fmt.Sprintf("taxii: HTTP %d", e.Status)
	if e.Title != "" {
		s += ": " + e.Title
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Discovery is a TAXII server's discovery resource.
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots"`
}

// Collection is a TAXII collection.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

func (c *TAXIIClient) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// get requests u and decodes the JSON body into v; it returns the headers.
func (c *TAXIIClient) get(ctx context.Context, u string, v any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", TAXIIMediaType)
	if c.Username != "" || c.Password != "" {
		req.SetBasicAuth(c.Username, c.Password)
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("taxii: %w", err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, MaxBundleSize)
	if resp.StatusCode != http.StatusOK {
		te := &TAXIIError{Status: resp.StatusCode}
		_ = json.NewDecoder(body).Decode(te)
		return nil, te
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ReplaceAll(ct, " ", ""), "application/taxii+json") {
		return nil, fmt.Errorf("taxii: %s answered with content type %q", u, ct)
	}
	if err := json.NewDecoder(body).Decode(v); err != nil {
		return nil, fmt.Errorf("taxii: decode %s: %w", u, err)
	}
	return resp.Header, nil
}

// Discover reads the discovery resource (e.g. https://host/taxii2/).
func (c *TAXIIClient) Discover(ctx context.Context, discoveryURL string) (*Discovery, error) {
	var d Discovery
	if _, err := c.get(ctx, discoveryURL, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Collections lists the collections of an API root.
func (c *TAXIIClient) Collections(ctx context.Context, apiRoot string) ([]Collection, error) {
	var out struct {
		Collections []Collection `json:"collections"`
	}
	if _, err := c.get(ctx, slash(apiRoot)+"collections/", &out); err != nil {
		return nil, err
	}
	return out.Collections, nil
}

func slash(s string) string {
	if strings.HasSuffix(s, "/") {
		return s
	}
	return s + "/"
}

// Poll reads the objects added to a collection after addedAfter (zero: all),
// following the server's pagination, and imports them. It returns the
// date-added of the last object read, to pass as addedAfter next time.
func (c *TAXIIClient) Poll(ctx context.Context, apiRoot, collectionID string, addedAfter time.Time, opts Options) (*Result, time.Time, error) {
	base := slash(apiRoot) + "collections/" + url.PathEscape(collectionID) + "/objects/"
	maxPages := c.MaxPages
	if maxPages <= 0 {
		maxPages = 10000
	}
	var objects []json.RawMessage
	last := addedAfter
	// With "next", every page repeats the first request's added_after; without
	// it, each page asks for what was added after the previous page.
	after := addedAfter
	next := ""
	for page := 0; ; page++ {
		if page >= maxPages {
			return nil, last, fmt.Errorf("taxii: more than %d pages in collection %s", maxPages, collectionID)
		}
		q := url.Values{}
		if !after.IsZero() {
			q.Set("added_after", after.UTC().Format(time.RFC3339Nano))
		}
		if c.PageSize > 0 {
			q.Set("limit", strconv.Itoa(c.PageSize))
		}
		if next != "" {
			q.Set("next", next)
		}
		u := base
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		h, err := c.get(ctx, u, &env)
		if err != nil {
			return nil, last, err
		}
		objects = append(objects, env.Objects...)
		advanced := false
		if s := h.Get("X-TAXII-Date-Added-Last"); s != "" {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.After(last) {
				last, advanced = t.UTC(), true
			}
		}
		if !env.More {
			break
		}
		switch {
		case env.Next != "":
			next = env.Next
		case advanced && next == "":
			// Servers without "next" page by added_after alone.
			after = last
		default:
			return nil, last, fmt.Errorf("taxii: server says there is more but gives no way to get it")
		}
	}
	return ParseSTIXObjects(objects, opts), last, nil
}
