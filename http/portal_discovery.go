package http

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bianque"
	"bianque/discover/allowlist"
	"bianque/discover/classify"
	"bianque/discover/inventory"
	"bianque/discover/ledger"
)

func init() { registerFeature("portal_discovery", (*Server).portalDiscoveryPages) }

type devicesPage struct {
	Tenants   []*bianque.Tenant
	Tenant    *bianque.Tenant
	Page      *inventory.Page
	Filter    map[string]string
	NextURL   string
	Anomalies []*ledger.AnomalyRecord
}

type devicePage struct {
	TenantName string
	D          *inventory.Detail
	// Graph is the peer graph as JSON for the chart script.
	Graph     template.JS
	Peers     *inventory.PeerGraph
	ManagedBy []string
	// Form is the profile the confirmation form starts from.
	Form bianque.MedicalProfile
}

type segmentationPage struct {
	Tenant *bianque.Tenant
	S      *inventory.Segmentation
	// Proposal is the text of the policy being checked (the generated one
	// as JSON to start from).
	Proposal string
	Check    *inventory.CheckResult
	Error    string
}

type settingsPage struct {
	Tenant  *bianque.Tenant
	S       *ledger.Settings
	SiteMap string // CSV subnet,vlan,department,room
}

func devicePath(tenant, key string) string {
	return "/t/" + url.PathEscape(tenant) + "/devices/" + url.PathEscape(key)
}

// seenWindows are the "last seen" choices of the inventory filter.
var seenWindows = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour}

func (s *Server) portalDiscoveryPages() {
	svc := s.svc.Discovery
	if svc == nil {
		return
	}
	s.nav(NavItem{Key: "nav.devices", Path: "/devices", Perm: bianque.PermAssetRead, Order: 40})
	s.page("GET", "/devices", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tn, list, err := s.pickTenant(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		pg := &devicesPage{Tenants: list, Tenant: tn, Filter: map[string]string{}}
		for _, k := range []string{"type", "department", "risk", "medical", "phi", "life_supporting", "vendor", "seen", "q"} {
			pg.Filter[k] = q.Get(k)
		}
		if tn == nil {
			return s.render(w, r, http.StatusOK, "devices", "devices.title", pg)
		}
		fr := r.Clone(r.Context())
		fr.SetPathValue("tenant", tn.ID)
		f, err := deviceFilter(fr)
		if err != nil {
			return err
		}
		if d, ok := seenWindows[q.Get("seen")]; ok {
			f.SeenSince = s.clock.Now().Add(-d)
		}
		if pg.Page, err = svc.Inventory(r.Context(), f); err != nil {
			return err
		}
		if pg.Anomalies, _, err = svc.Anomalies(r.Context(), tn.ID, ledger.AnomalyFilter{Page: bianque.Page{Limit: 10}}); err != nil {
			return err
		}
		if pg.Page.NextCursor != "" {
			nq := r.URL.Query()
			nq.Set("tenant", tn.ID)
			nq.Set("cursor", pg.Page.NextCursor)
			pg.NextURL = "/devices?" + nq.Encode()
		}
		return s.render(w, r, http.StatusOK, "devices", "devices.title", pg)
	})
	s.page("GET", "/t/{tenant}/devices/{device}", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, key := r.PathValue("tenant"), r.PathValue("device")
		d, err := svc.Device(r.Context(), tenant, key)
		if err != nil {
			return err
		}
		g, err := svc.Peers(r.Context(), tenant, key)
		if err != nil {
			return err
		}
		js, err := json.Marshal(peerChart(g))
		if err != nil {
			return err
		}
		pg := &devicePage{D: d, Peers: g, Graph: template.JS(js), ManagedBy: inventory.ManagedBy}
		if d.Medical != nil {
			pg.Form = *d.Medical
		}
		if pg.Form.PHI == "" {
			pg.Form.PHI = d.PHI
		}
		if tn := s.tenantNames(r.Context())[tenant]; tn != nil {
			pg.TenantName = tn.Name
		}
		return s.render(w, r, http.StatusOK, "device", "devices.title", pg)
	})
	s.page("POST", "/t/{tenant}/devices/{device}/profile", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, key := r.PathValue("tenant"), r.PathValue("device")
		class, _ := strconv.Atoi(r.PostFormValue("fda_class"))
		in := inventory.ProfileInput{FDAClass: class, PHI: r.PostFormValue("phi"), LifeSupporting: r.PostFormValue("life_supporting") == "true",
			Disruption: r.PostFormValue("disruption"), ManagedBy: r.PostFormValue("managed_by")}
		_, err := svc.ConfirmProfile(r.Context(), tenant, key, in)
		return s.formBack(w, r, tenant, devicePath(tenant, key), err, "profile")
	})
	s.page("GET", "/t/{tenant}/segmentation", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		pg, err := s.segmentationPage(r, tenant, r.URL.Query().Get("group"))
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "segmentation", "segmentation.title", pg)
	})
	s.page("GET", "/t/{tenant}/segmentation/export", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant, group, format := r.PathValue("tenant"), r.URL.Query().Get("group"), r.URL.Query().Get("format")
		if format == "" || format == "json" {
			format = "json"
		}
		seg, err := svc.Segmentation(r.Context(), tenant, group, strings.TrimPrefix(format, "json"))
		if err != nil {
			return err
		}
		body, ext, ctype := seg.Export, format, "text/plain; charset=utf-8"
		switch format {
		case "json":
			b, err := json.MarshalIndent(seg.Policy, "", "  ")
			if err != nil {
				return err
			}
			body, ctype = string(b)+"\n", "application/json"
		case "csv":
			ctype = "text/csv; charset=utf-8"
		case "table":
			ext = "txt"
		}
		name := "segmentation"
		if group != "" {
			name += "-" + safeFileName(group)
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, ext))
		w.Header().Set("Cache-Control", "no-store")
		_, err = io.WriteString(w, body)
		return err
	})
	s.page("POST", "/t/{tenant}/segmentation/check", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		if err := r.ParseMultipartForm(maxBody); err != nil && err != http.ErrNotMultipart {
			return bianque.Errorf(bianque.EINVALID, "read the proposal: %v", err)
		}
		group := r.FormValue("group")
		text := r.FormValue("proposal")
		if f, _, err := r.FormFile("file"); err == nil {
			b, err := io.ReadAll(io.LimitReader(f, maxBody))
			f.Close()
			if err != nil {
				return err
			}
			if len(strings.TrimSpace(string(b))) > 0 {
				text = string(b)
			}
		}
		pg, err := s.segmentationPage(r, tenant, group)
		if err != nil {
			return err
		}
		pg.Proposal = text
		in := inventory.CheckInput{}
		if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") {
			p, perr := allowlist.ParsePolicy([]byte(t))
			if perr != nil {
				pg.Error = perr.Error()
			}
			in.Policy = p
		} else {
			in.ACLCSV = text
		}
		if pg.Error == "" {
			res, err := svc.Check(r.Context(), tenant, in)
			switch {
			case bianque.ErrorCode(err) == bianque.EINVALID:
				pg.Error = bianque.ErrorMessage(err)
			case err != nil:
				return err
			default:
				pg.Check = res
			}
		}
		return s.render(w, r, http.StatusOK, "segmentation", "segmentation.title", pg)
	})
	s.page("GET", "/t/{tenant}/discovery-settings", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		st, err := svc.Settings(r.Context(), tenant)
		if err != nil {
			return err
		}
		pg := &settingsPage{Tenant: s.tenantNames(r.Context())[tenant], S: st, SiteMap: siteMapCSV(&st.SiteMap)}
		if pg.Tenant == nil {
			pg.Tenant = &bianque.Tenant{ID: tenant}
		}
		return s.render(w, r, http.StatusOK, "discovery_settings", "dsettings.title", pg)
	})
	s.page("POST", "/t/{tenant}/discovery-settings", Authenticated, func(w http.ResponseWriter, r *http.Request) error {
		tenant := r.PathValue("tenant")
		back := "/t/" + url.PathEscape(tenant) + "/discovery-settings"
		version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		st := &ledger.Settings{Version: version}
		var err error
		if v := strings.TrimSpace(r.PostFormValue("risk_threshold")); v != "" {
			if st.RiskThreshold, err = strconv.ParseFloat(v, 64); err != nil {
				return s.formBack(w, r, tenant, back, bianque.Errorf(bianque.EINVALID, "risk threshold %q is not a number", v), "")
			}
		}
		if v := strings.TrimSpace(r.PostFormValue("learning_hours")); v != "" {
			if st.LearningHours, err = strconv.Atoi(v); err != nil {
				return s.formBack(w, r, tenant, back, bianque.Errorf(bianque.EINVALID, "learning period %q is not a number of hours", v), "")
			}
		}
		sm, err := parseSiteMapCSV(r.PostFormValue("site_map"))
		if err != nil {
			return s.formBack(w, r, tenant, back, err, "")
		}
		st.SiteMap = *sm
		_, moved, err := svc.UpdateSettings(r.Context(), tenant, st)
		if err == nil {
			back += "?moved=" + strconv.Itoa(moved)
		}
		return s.formBack(w, r, tenant, back, err, "settings")
	})
}

// formBack redirects after a form: to target with ?done= on success, with
// ?error= for errors a person can fix; others render the error page.
func (s *Server) formBack(w http.ResponseWriter, r *http.Request, tenant, target string, err error, done string) error {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	if err != nil {
		switch bianque.ErrorCode(err) {
		case bianque.EINVALID, bianque.ECONFLICT, bianque.EFORBIDDEN:
			if bianque.ErrorCode(err) == bianque.EFORBIDDEN && !principalOf(r).SeesTenant(tenant) {
				return err
			}
			redirect(w, r, target+sep+"error="+url.QueryEscape(bianque.ErrorMessage(err)))
			return nil
		}
		return err
	}
	redirect(w, r, target+sep+"done="+url.QueryEscape(done))
	return nil
}

func (s *Server) segmentationPage(r *http.Request, tenant, group string) (*segmentationPage, error) {
	seg, err := s.svc.Discovery.Segmentation(r.Context(), tenant, group, "table")
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(seg.Policy, "", "  ")
	if err != nil {
		return nil, err
	}
	pg := &segmentationPage{Tenant: s.tenantNames(r.Context())[tenant], S: seg, Proposal: string(b)}
	if pg.Tenant == nil {
		pg.Tenant = &bianque.Tenant{ID: tenant}
	}
	return pg, nil
}

func safeFileName(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// siteMapCSV writes a site map as the CSV the settings form edits.
func siteMapCSV(sm *classify.SiteMap) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"subnet", "vlan", "department", "room"})
	for _, e := range sm.Entries {
		vlan := ""
		if e.VLAN > 0 {
			vlan = strconv.Itoa(e.VLAN)
		}
		_ = w.Write([]string{e.Subnet, vlan, e.Department, e.Room})
	}
	w.Flush()
	return b.String()
}

// parseSiteMapCSV reads the site map CSV of the settings form: subnet,
// vlan, department, room per line (header optional, blank lines skipped).
func parseSiteMapCSV(text string) (*classify.SiteMap, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	sm := &classify.SiteMap{Entries: []classify.SiteEntry{}}
	for line := 1; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bianque.Errorf(bianque.EINVALID, "site map line %d: %v", line, err)
		}
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		if line == 1 && strings.EqualFold(strings.TrimSpace(row[0]), "subnet") {
			continue
		}
		if len(row) < 3 {
			return nil, bianque.Errorf(bianque.EINVALID, "site map line %d: want subnet,vlan,department[,room]", line)
		}
		e := classify.SiteEntry{Subnet: strings.TrimSpace(row[0]), Department: strings.TrimSpace(row[2])}
		if v := strings.TrimSpace(row[1]); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, bianque.Errorf(bianque.EINVALID, "site map line %d: VLAN %q is not a number", line, v)
			}
			e.VLAN = n
		}
		if len(row) > 3 {
			e.Room = strings.TrimSpace(row[3])
		}
		sm.Entries = append(sm.Entries, e)
	}
	return sm, nil
}

// chartNode and chartLink are the ECharts graph series' data.
type chartNode struct {
	ID       string `json:"name"`    // ECharts links refer to nodes by name
	Name     string `json:"display"` // shown as the label
	Category int    `json:"category"`
	Size     int    `json:"symbolSize"`
}

type chartLink struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Label  string `json:"label"`
	Kind   string `json:"kind"` // clinical, control, other
	Risky  bool   `json:"risky"`
	Bytes  int64  `json:"bytes"`
}

type peerChartData struct {
	Nodes []chartNode `json:"nodes"`
	Links []chartLink `json:"links"`
}

// Node categories of the peer chart (the legend's order, see app.js).
const (
	catSelf = iota
	catMedical
	catDevice
	catVendor
	catInternet
	catGroup
)

func peerChart(g *inventory.PeerGraph) peerChartData {
	out := peerChartData{Nodes: []chartNode{}, Links: []chartLink{}}
	for _, n := range g.Nodes {
		c := catDevice
		switch {
		case n.Self:
			c = catSelf
		case n.Vendor:
			c = catVendor
		case n.Internet:
			c = catInternet
		case n.Group:
			c = catGroup
		case n.Medical:
			c = catMedical
		}
		size := 18
		if n.Self {
			size = 34
		}
		out.Nodes = append(out.Nodes, chartNode{ID: n.ID, Name: n.Label, Category: c, Size: size})
	}
	for _, e := range g.Edges {
		kind := "other"
		switch {
		case e.Clinical:
			kind = "clinical"
		case e.Category == "control":
			kind = "control"
		}
		label := e.Transport + "/" + strconv.Itoa(e.Port)
		if len(e.Apps) > 0 {
			label = strings.Join(e.Apps, ",") + " " + label
		}
		out.Links = append(out.Links, chartLink{Source: e.Source, Target: e.Target, Label: label, Kind: kind, Risky: len(e.Risks) > 0, Bytes: e.Bytes})
	}
	return out
}

func init() {
	templateFuncs["bytes"] = func(n int64) string {
		switch {
		case n >= 1<<30:
			return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d B", n)
	}
	templateFuncs["list"] = func(v ...any) []any { return v }
	templateFuncs["score"] = func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
	templateFuncs["conf"] = func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }
}
