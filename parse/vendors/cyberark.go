package vendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// CyberArk: the Audit API of the Identity Security Platform (Identity,
// Privilege Cloud) in JSON ({"auditCode", "applicationCode", "action",
// "actionType", "username", "source", "customData", ...}), and the Vault's
// syslog in LEEF 1.0 ("Cyber-Ark|Vault", Action, usrName, src, shost,
// dhost, duser, File, Safe, ...).
var cyberark = &parse.Vendor{
	ID:       "cyberark",
	Aliases:  []string{"cyberark-audit-logs", "cyberark-audit", "cyberark-vault", "cyberark-pam", "cyber-ark"},
	Name:     "CyberArk (Audit API, Vault LEEF)",
	Formats:  []parse.Format{parse.FormatJSON, parse.FormatLEEF},
	Observer: parse.Observer{Vendor: "CyberArk", Type: "pam"},
	Detect: func(r *parse.Record) bool {
		if r.LEEF != nil {
			v := strings.ToLower(r.LEEF.Vendor)
			return v == "cyber-ark" || v == "cyberark"
		}
		if r.JSON != nil {
			_, a := r.JSON["auditCode"]
			_, b := r.JSON["applicationCode"]
			return a && b
		}
		return false
	},
	Normalize: normalizeCyberArk,
	Verified:  "Sekoia CyberArk audit logs intake tests (15 events: Identity and Privilege Cloud audit JSON, Vault LEEF)",
}

func init() { all = append(all, cyberark) }

func normalizeCyberArk(r *parse.Record, e *event.Event) error {
	if r.LEEF != nil {
		caLEEF(r, e)
	} else if r.JSON != nil {
		caAudit(r, e)
	} else {
		parse.Generic(r, e)
	}
	parse.FillRelated(e, "source.ip", "destination.ip", "user.name", "source.user.name", "user.target.name")
	return nil
}

func caAudit(r *parse.Record, e *event.Event) {
	j := jvObj(r.JSON)
	e.Set("event.kind", "event")
	if t, ok := jvTime(j.val("timestamp"), r.Location()); ok {
		e.SetTimestamp(t)
	}
	jvCopy(e, j, []jvField{
		{"action", []string{"event.action"}}, {"auditCode", []string{"event.code"}},
		{"applicationCode", []string{"event.dataset"}}, {"component", []string{"event.provider"}},
		{"message", []string{"event.reason"}}, {"serviceName", []string{"observer.product"}},
		{"tenantId", []string{"organization.id"}}, {"cloudProvider", []string{"cloud.provider"}},
		{"userId", []string{"user.id"}}, {"uuid", []string{"event.id"}}, {"sessionId", []string{"cyberark.session_id"}},
		{"safe", []string{"cyberark.safe"}}, {"command", []string{"process.command_line"}},
		{"customData.user_id", []string{"user.target.id"}},
		{"customData.request_device_os", []string{"host.os.platform"}},
		{"customData.request_browser_name", []string{"user_agent.name"}},
	})
	caUser(e, "user", j.str("username"))
	caUser(e, "user.target", j.str("customData.user_name"))
	if s := j.str("source"); s != "" {
		if parse.IsIP(s) {
			parse.SetAddress(e, "source", s)
		} else {
			e.Set("observer.name", s)
		}
	}
	if t := j.str("target"); parse.IsIP(t) {
		parse.SetAddress(e, "destination", t)
	}
	// The vault object the action is on: an account ("Root\<account>") or
	// a file of a safe.
	pt := j.str("customData.PAM.target")
	if acct := j.str("accountName"); acct != "" {
		if d, n, ok := strings.Cut(pt, `\`); ok && n == acct {
			e.Set("user.target.domain", d)
		}
		e.Set("user.target.name", acct)
	} else if strings.Contains(pt, `\`) {
		e.Set("file.path", pt)
		e.Set("file.name", jvBase(pt))
	}

	action := j.str("action")
	la := strings.ToLower(action)
	cat, typ := "configuration", caActionType(la, strings.ToLower(j.str("actionType")))
	switch {
	case strings.Contains(la, "login") || strings.Contains(la, "logon") || strings.Contains(la, "authenticat") || strings.Contains(la, "oauthtoken") || strings.Contains(la, "mfa"):
		cat, typ = "authentication", "start"
		switch strings.ToLower(j.str("auditType")) {
		case "info", "success":
			e.Set("event.outcome", "success")
		case "error", "failure", "warning", "security":
			e.Set("event.outcome", "failure")
		}
		if strings.Contains(la, "fail") {
			e.Set("event.outcome", "failure")
		}
	case strings.Contains(la, "logout") || strings.Contains(la, "logoff"):
		cat, typ = "authentication", "end"
	}
	e.Set("event.category", []string{cat})
	e.Set("event.type", []string{typ})
}

// caActionType derives event.type from the action's verb, else from the
// audit action type.
func caActionType(action, actionType string) string {
	verb := action
	if i := strings.IndexAny(verb, " ."); i > 0 && !strings.Contains(verb, ".") {
		verb = verb[:i]
	} else if i := strings.LastIndexByte(verb, '.'); i >= 0 {
		verb = verb[i+1:]
	}
	switch {
	case strings.HasPrefix(verb, "add") || strings.HasPrefix(verb, "create") || verb == "new":
		return "creation"
	case strings.HasPrefix(verb, "remove") || strings.HasPrefix(verb, "delete") || strings.HasSuffix(verb, "delete"):
		return "deletion"
	case verb == "open" || verb == "retrieve" || verb == "get" || verb == "view" || verb == "read" || verb == "list":
		return "access"
	case verb == "store" || verb == "update" || verb == "edit" || verb == "modify" || verb == "change" || verb == "set" || verb == "rename" || verb == "reset":
		return "change"
	}
	switch actionType {
	case "create":
		return "creation"
	case "delete":
		return "deletion"
	case "edit", "update", "password":
		return "change"
	case "read", "view":
		return "access"
	}
	return "info"
}

// caUser sets prefix.email for e-mail-like names, else prefix.name.
func caUser(e *event.Event, prefix, u string) {
	if u == "" {
		return
	}
	if strings.Contains(u, "@") {
		e.Set(prefix+".email", u)
		return
	}
	e.Set(prefix+".name", u)
}

func caLEEF(r *parse.Record, e *event.Event) {
	g := func(k string) string { v, _ := r.Pairs.Get(k); return strings.TrimSpace(v) }
	e.Set("event.kind", "event")
	e.Set("event.code", r.LEEF.EventID)
	parse.Set(e, "observer.product", r.LEEF.Product)
	parse.Set(e, "observer.version", r.LEEF.ProductVersion)
	action := g("Action")
	if action == "" {
		action = g("EventMessage")
	}
	parse.Set(e, "event.action", action)
	parse.Set(e, "event.severity", g("sev"))
	parse.Set(e, "user.name", g("usrName"))
	parse.Set(e, "user.target.name", g("duser"))
	parse.Set(e, "source.user.name", g("SourceUser"))
	parse.Set(e, "file.name", g("File"))
	parse.Set(e, "event.reason", g("Reason"))
	parse.Set(e, "network.protocol", strings.ToLower(g("app")))
	parse.Set(e, "event.id", g("externalId"))
	parse.Set(e, "cyberark.safe", g("Safe"))
	parse.Set(e, "cyberark.gateway_station", g("GatewayStation"))
	if src := g("src"); parse.IsIP(src) {
		parse.SetAddress(e, "source", src)
	}
	if sh := g("shost"); sh != "" {
		e.Set("source.address", sh)
	}
	if dh := g("dhost"); dh != "" {
		e.Set("destination.address", dh)
		if parse.IsIP(dh) {
			parse.Set(e, "destination.ip", dh)
		} else {
			e.Set("destination.domain", dh)
		}
	}
	la := strings.ToLower(action)
	cat, typ := "iam", "info"
	switch {
	case strings.Contains(la, "logon") || strings.Contains(la, "login"):
		cat, typ = "authentication", "start"
		if strings.Contains(la, "fail") {
			e.Set("event.outcome", "failure")
		} else {
			e.Set("event.outcome", "success")
		}
	case strings.Contains(la, "logoff") || strings.Contains(la, "logout"):
		cat, typ = "authentication", "end"
	case strings.Contains(la, "gateway connection"):
		cat, typ = "network", "connection"
	case strings.Contains(la, "file"):
		cat = "file"
	}
	e.Set("event.category", []string{cat})
	e.Set("event.type", []string{typ})
}
