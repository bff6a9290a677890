package http

import (
	"net/http"

	"bianque"
	"bianque/discover/baseline"
	"bianque/discover/inventory"
	"bianque/discover/ledger"
)

func init() { registerFeature("discovery", (*Server).discoveryRoutes) }

var deviceFilterParams = append([]Param{
	{Name: "type", Type: "string", Description: "device type (ct, infusion_pump, printer ...)"},
	{Name: "kind", Type: "string", Description: "asset kind", Enum: enumValues(bianque.AssetKinds)},
	{Name: "department", Type: "string"},
	{Name: "vendor", Type: "string", Description: "text in the vendor name"},
	{Name: "risk", Type: "string", Description: "clinical risk against the hospital's acceptable risk", Enum: []string{"above", "below"}},
	{Name: "medical", Type: "boolean", Description: "medical devices only (true) or none (false)"},
	{Name: "phi", Type: "boolean", Description: "devices that store or send patient data"},
	{Name: "life_supporting", Type: "boolean"},
	{Name: "seen_since", Type: "date-time", Description: "last seen at or after"},
	{Name: "seen_before", Type: "date-time", Description: "last seen before"},
	{Name: "q", Type: "string", Description: "text in name, address, MAC, model or vendor"},
}, pageParams...)

// deviceFilter reads the inventory filters.
func deviceFilter(r *http.Request) (inventory.Filter, error) {
	q := r.URL.Query()
	pg, err := page(r)
	if err != nil {
		return inventory.Filter{}, err
	}
	f := inventory.Filter{TenantID: r.PathValue("tenant"), DeviceType: q.Get("type"), Kind: q.Get("kind"),
		Department: q.Get("department"), Vendor: q.Get("vendor"), Risk: q.Get("risk"), Query: q.Get("q"), Page: pg}
	if f.Medical, err = queryBool(r, "medical"); err != nil {
		return f, err
	}
	if f.PHI, err = queryBool(r, "phi"); err != nil {
		return f, err
	}
	if f.LifeSupporting, err = queryBool(r, "life_supporting"); err != nil {
		return f, err
	}
	if f.SeenSince, err = queryTime(r, "seen_since"); err != nil {
		return f, err
	}
	if f.SeenBefore, err = queryTime(r, "seen_before"); err != nil {
		return f, err
	}
	return f, f.Validate()
}

// anomalyKinds are the kinds of baseline anomalies.
var anomalyKinds = []string{baseline.NewPeer, baseline.NewProtocol, baseline.NewPort, baseline.NewInternet,
	baseline.VolumeSpike, baseline.VolumePeerSize}

func (s *Server) discoveryRoutes() {
	svc := s.svc.Discovery
	if svc == nil {
		return
	}
	tenant := func(r *http.Request) string { return r.PathValue("tenant") }
	base := "/api/v1/tenants/{tenant}/devices"
	s.api(Route{Method: "GET", Path: base, ID: "devices.list", Tag: "discovery", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAssetRead, Query: deviceFilterParams, Result: inventory.Page{},
		Summary: "Passively discovered devices with their clinical risk: those above the hospital's acceptable risk first, then by score."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			f, err := deviceFilter(r)
			if err != nil {
				return nil, err
			}
			return svc.Inventory(r.Context(), f)
		})
	s.api(Route{Method: "GET", Path: base + "/{device}", ID: "devices.get", Tag: "discovery", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAssetRead, Result: inventory.Detail{},
		Summary: "One device ({device}: its IP address, or mac:<MAC>): identity evidence per protocol, the rules that classified it, its clinical profile and risk, findings and anomalies."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Device(r.Context(), tenant(r), r.PathValue("device"))
		})
	s.api(Route{Method: "GET", Path: base + "/{device}/peers", ID: "devices.peers", Tag: "discovery", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetRead, Result: inventory.PeerGraph{},
		Summary: "The device's communication map: peers, protocols, ports, volumes, clinical and control flows, internet destinations, risk flags."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Peers(r.Context(), tenant(r), r.PathValue("device"))
		})
	s.api(Route{Method: "PUT", Path: base + "/{device}/profile", ID: "devices.profile", Tag: "discovery", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetWrite, Body: inventory.ProfileInput{}, Result: inventory.Detail{},
		Summary: "Confirm or correct the device's clinical profile (FDA class, PHI, life-supporting, disruption, managed by); audited, never overwritten by the sensor."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in inventory.ProfileInput
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			return svc.ConfirmProfile(r.Context(), tenant(r), r.PathValue("device"), in)
		})
	s.api(Route{Method: "GET", Path: "/api/v1/tenants/{tenant}/device-anomalies", ID: "device_anomalies.list", Tag: "discovery",
		Access: Authenticated, Scope: ScopeTenant, Perm: bianque.PermAssetRead, Result: ledger.AnomalyRecord{}, List: true,
		Query: append([]Param{{Name: "device", Type: "string", Description: "device key"},
			{Name: "kind", Type: "string", Enum: anomalyKinds}}, pageParams...),
		Summary: "Departures of devices from their learnt behaviour, newest first, with the alert and ticket each raised."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			pg, err := page(r)
			if err != nil {
				return nil, err
			}
			list, next, err := svc.Anomalies(r.Context(), tenant(r), ledger.AnomalyFilter{Device: r.URL.Query().Get("device"),
				Kind: r.URL.Query().Get("kind"), Page: pg})
			if err != nil {
				return nil, err
			}
			return listResult{Items: nonNil(list), NextCursor: next}, nil
		})
	settings := "/api/v1/tenants/{tenant}/discovery-settings"
	s.api(Route{Method: "GET", Path: settings, ID: "discovery_settings.get", Tag: "discovery", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetRead, Result: ledger.Settings{},
		Summary: "The hospital's site map (subnet or VLAN → department, room), acceptable clinical risk and learning period."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Settings(r.Context(), tenant(r))
		})
	s.api(Route{Method: "PUT", Path: settings, ID: "discovery_settings.update", Tag: "discovery", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetWrite, Body: ledger.Settings{}, Result: SettingsResult{},
		Summary: "Replace the discovery settings (version must be the stored one); devices move to the departments and rooms of the new site map."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in ledger.Settings
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			st, moved, err := svc.UpdateSettings(r.Context(), tenant(r), &in)
			if err != nil {
				return nil, err
			}
			return SettingsResult{Settings: st, Moved: moved}, nil
		})
	seg := "/api/v1/tenants/{tenant}/segmentation"
	s.api(Route{Method: "GET", Path: seg, ID: "segmentation.get", Tag: "discovery", Access: Authenticated, Scope: ScopeTenant,
		Perm: bianque.PermAssetRead, Result: inventory.Segmentation{},
		Query: []Param{{Name: "group", Type: "string", Description: "device group (type@department); empty: every group holding medical devices or PHI"},
			{Name: "format", Type: "string", Description: "also render the policy as", Enum: []string{"nft", "csv", "table"}}},
		Summary: "The minimal segmentation allow-list that keeps every observed flow of a device group (R11.2), with its exports."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			return svc.Segmentation(r.Context(), tenant(r), r.URL.Query().Get("group"), r.URL.Query().Get("format"))
		})
	s.api(Route{Method: "POST", Path: seg + "/check", ID: "segmentation.check", Tag: "discovery", Access: Authenticated,
		Scope: ScopeTenant, Perm: bianque.PermAssetRead, Body: inventory.CheckInput{}, Result: inventory.CheckResult{},
		Summary: "What would break: the observed flows a proposed policy (JSON as exported, or an ACL CSV) would deny, clinical flows first. Changes nothing."},
		func(w http.ResponseWriter, r *http.Request) (any, error) {
			var in inventory.CheckInput
			if err := decode(r, &in); err != nil {
				return nil, err
			}
			return svc.Check(r.Context(), tenant(r), in)
		})
}

// SettingsResult is the answer to a settings update.
type SettingsResult struct {
	Settings *ledger.Settings `json:"settings"`
	// Moved counts the devices the new site map placed elsewhere.
	Moved int `json:"devices_moved"`
}
