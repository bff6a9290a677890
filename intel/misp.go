package intel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"bianque"
)

// mispEvent is the part of a MISP event (its JSON export and feed format) the importer reads.
type mispEvent struct {
	UUID          string          `json:"uuid"`
	Info          string          `json:"info"`
	Timestamp     string          `json:"timestamp"`
	ThreatLevelID json.RawMessage `json:"threat_level_id"`
	Tag           []mispTag       `json:"Tag"`
	Attribute     []mispAttribute `json:"Attribute"`
	Object        []struct {
		Name      string          `json:"name"`
		Attribute []mispAttribute `json:"Attribute"`
	} `json:"Object"`
	Galaxy []struct {
		GalaxyCluster []struct {
			Value string `json:"value"`
		} `json:"GalaxyCluster"`
	} `json:"Galaxy"`
}

type mispTag struct {
	Name string `json:"name"`
}

type mispAttribute struct {
	UUID      string          `json:"uuid"`
	Type      string          `json:"type"`
	Category  string          `json:"category"`
	Value     string          `json:"value"`
	ToIDS     json.RawMessage `json:"to_ids"`
	Comment   string          `json:"comment"`
	Timestamp string          `json:"timestamp"`
	FirstSeen string          `json:"first_seen"`
	LastSeen  string          `json:"last_seen"`
	Tag       []mispTag       `json:"Tag"`
}

// ParseMISPEvent imports a MISP event ({"Event": {...}}, as MISP exports
// and feeds serve it).
func ParseMISPEvent(r io.Reader, opts Options) (*Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBundleSize+1))
	if err != nil {
		return nil, fmt.Errorf("read misp event: %w", err)
	}
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("misp event larger than %d bytes", MaxBundleSize)
	}
	var doc struct {
		Event *mispEvent `json:"Event"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode misp event: %w", err)
	}
	if doc.Event == nil {
		return nil, fmt.Errorf("misp: no Event object")
	}
	res := &Result{}
	importMISPEvent(res, doc.Event, opts)
	return res, nil
}

func importMISPEvent(res *Result, ev *mispEvent, opts Options) {
	tags := mispTags(ev.Tag)
	for _, g := range ev.Galaxy {
		for _, c := range g.GalaxyCluster {
			if c.Value != "" {
				tags = append(tags, c.Value)
			}
		}
	}
	attrs := slices.Clone(ev.Attribute)
	for _, o := range ev.Object {
		attrs = append(attrs, o.Attribute...)
	}
	for _, a := range attrs {
		ref := a.UUID
		if ref == "" {
			ref = ev.UUID + "/" + a.Type
		}
		if !opts.IncludeNonIDS && !mispBool(a.ToIDS) {
			continue // not meant for detection; not a skip worth reporting
		}
		kinds, values, why := mispIndicators(a.Type, a.Value)
		if why != "" {
			res.skip(ref, "%s", why)
			continue
		}
		for i := range kinds {
			in := &bianque.Indicator{
				Type: kinds[i], Value: values[i], ExternalID: a.UUID,
				Description: strings.Trim(ev.Info+": "+a.Comment, ": "),
				Tags:        append(slices.Clone(tags), mispTags(a.Tag)...),
			}
			in.ValidFrom = mispTime(a.FirstSeen)
			if ls := mispTime(a.LastSeen); !ls.IsZero() && opts.TTL > 0 {
				in.ValidUntil = ls.Add(opts.TTL)
			} else if opts.TTL > 0 {
				if ts := mispTime(a.Timestamp); !ts.IsZero() {
					in.ValidUntil = ts.Add(opts.TTL)
				}
			}
			res.add(in, ref, opts)
		}
	}
}

// mispTags turns MISP tags into indicator tags: galaxy tags
// (misp-galaxy:threat-actor="APT28") give their value, others their name.
func mispTags(ts []mispTag) []string {
	var out []string
	for _, t := range ts {
		n := t.Name
		if strings.HasPrefix(n, "misp-galaxy:") {
			if _, v, ok := strings.Cut(n, "="); ok {
				n = strings.Trim(v, `"`)
			}
		}
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

func mispBool(raw json.RawMessage) bool {
	s := strings.Trim(string(raw), `"`)
	return s == "true" || s == "1"
}

// mispTime reads MISP's epoch seconds or RFC 3339 times.
func mispTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return time.Time{}
}

// mispIndicators maps a MISP attribute type onto indicators.
func mispIndicators(typ, value string) ([]bianque.IndicatorType, []string, string) {
	one := func(t bianque.IndicatorType, v string) ([]bianque.IndicatorType, []string, string) {
		return []bianque.IndicatorType{t}, []string{v}, ""
	}
	left, right, composite := strings.Cut(value, "|")
	switch typ {
	case "ip-src", "ip-dst":
		if strings.Contains(value, "/") {
			return one(bianque.IndicatorCIDR, value)
		}
		return one(bianque.IndicatorIP, value)
	case "ip-src|port", "ip-dst|port":
		return one(bianque.IndicatorIP, left)
	case "domain", "hostname":
		return one(bianque.IndicatorDomain, value)
	case "hostname|port":
		return one(bianque.IndicatorDomain, left)
	case "domain|ip":
		if !composite {
			return nil, nil, "domain|ip without '|'"
		}
		return []bianque.IndicatorType{bianque.IndicatorDomain, bianque.IndicatorIP}, []string{left, right}, ""
	case "url":
		return one(bianque.IndicatorURL, value)
	case "md5", "sha1", "sha256":
		return one(bianque.IndicatorType(typ), value)
	case "filename|md5", "filename|sha1", "filename|sha256":
		if !composite {
			return nil, nil, typ + " without '|'"
		}
		t := bianque.IndicatorType(strings.TrimPrefix(typ, "filename|"))
		if hasPathSeparator(left) {
			return []bianque.IndicatorType{t, bianque.IndicatorFilePath}, []string{right, left}, ""
		}
		return one(t, right)
	case "filename":
		if hasPathSeparator(value) {
			return one(bianque.IndicatorFilePath, value)
		}
		return nil, nil, "file name without a path is too broad to match"
	case "regkey":
		return one(bianque.IndicatorRegistryKey, value)
	case "regkey|value":
		return one(bianque.IndicatorRegistryKey, left)
	}
	return nil, nil, fmt.Sprintf("attribute type %q is not an indicator the platform matches", typ)
}

// FetchMISPFeed reads a MISP feed (manifest.json and one JSON file per
// event, as MISP publishes and fetches them) and imports the events changed
// after since. It returns the newest event timestamp seen, to pass as since
// next time.
func FetchMISPFeed(ctx context.Context, client *http.Client, baseURL string, since time.Time, opts Options) (*Result, time.Time, error) {
	if client == nil {
		client = http.DefaultClient
	}
	base := strings.TrimRight(baseURL, "/")
	var manifest map[string]struct {
		Info      string `json:"info"`
		Timestamp any    `json:"timestamp"`
	}
	if err := getJSON(ctx, client, base+"/manifest.json", "", &manifest); err != nil {
		return nil, since, fmt.Errorf("misp feed manifest: %w", err)
	}
	uuids := make([]string, 0, len(manifest))
	for id := range manifest {
		uuids = append(uuids, id)
	}
	sort.Strings(uuids)
	res := &Result{}
	newest := since
	for _, id := range uuids {
		ts := mispTime(strings.Trim(fmt.Sprint(manifest[id].Timestamp), `"`))
		if !since.IsZero() && !ts.After(since) {
			continue
		}
		if strings.ContainsAny(id, "/\\?#") {
			res.skip(id, "event id is not a UUID")
			continue
		}
		var doc struct {
			Event *mispEvent `json:"Event"`
		}
		if err := getJSON(ctx, client, base+"/"+id+".json", "", &doc); err != nil {
			res.skip(id, "fetch: %v", err)
			continue
		}
		if doc.Event == nil {
			res.skip(id, "no Event object")
			continue
		}
		importMISPEvent(res, doc.Event, opts)
		if ts.After(newest) {
			newest = ts
		}
	}
	return res, newest, nil
}

// getJSON fetches url into v; accept sets the Accept header.
func getJSON(ctx context.Context, client *http.Client, url, accept string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, MaxBundleSize)).Decode(v)
}
