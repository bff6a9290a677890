// Package commsmap builds the communication map of a report: for each
// device its peers, protocols, ports, volumes and first/last seen; which
// flows are clinical (DICOM, HL7 — they carry PHI) and which are control or
// network services; internet destinations and whether they belong to the
// device's vendor; and network-level risks seen in traffic: cleartext and
// weak-authentication protocols (Telnet, FTP, HTTP basic, SNMPv1/v2c and
// default communities), PHI sent unencrypted, services exposed to or remote
// access from the internet (004 phase II step 2).
package commsmap

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"bianque/discover"
)

// categories of applications.
var appCategory = map[string]string{
	"dicom": discover.CategoryClinical, "hl7": discover.CategoryClinical, "intellivue": discover.CategoryClinical,
	"modbus": discover.CategoryControl, "bacnet": discover.CategoryControl, "snmp": discover.CategoryControl,
	"ssh": discover.CategoryControl, "telnet": discover.CategoryControl, "rdp": discover.CategoryControl,
	"vnc": discover.CategoryControl, "syslog": discover.CategoryControl, "mqtt": discover.CategoryControl,
	"dns": discover.CategoryNetwork, "dhcp": discover.CategoryNetwork, "dhcpv6": discover.CategoryNetwork,
	"mdns": discover.CategoryNetwork, "llmnr": discover.CategoryNetwork, "nbns": discover.CategoryNetwork,
	"browser": discover.CategoryNetwork, "ssdp": discover.CategoryNetwork, "ntp": discover.CategoryNetwork,
	"ws-discovery": discover.CategoryNetwork, "kerberos": discover.CategoryNetwork, "ldap": discover.CategoryNetwork,
	"icmp": discover.CategoryNetwork, "icmpv6": discover.CategoryNetwork, "igmp": discover.CategoryNetwork,
}

// phiApps carry protected health information.
var phiApps = map[string]bool{"dicom": true, "hl7": true}

// Default SNMP communities (vendor defaults and the RFC examples).
var defaultCommunities = map[string]bool{"public": true, "private": true, "community": true, "snmp": true,
	"cisco": true, "admin": true, "manager": true, "secret": true, "write": true, "read": true}

// remoteAccess services are risky when they cross the internet boundary.
var remoteAccess = map[string]bool{"rdp": true, "vnc": true, "telnet": true, "ssh": true, "smb": true}

// Enrich completes the flows of r (category, PHI, internet, server name,
// vendor endpoint, risks) and gives every device its risks and PHI flag.
func Enrich(r *discover.Report) {
	dev := map[string]*discover.Device{}
	for i := range r.Devices {
		if r.Devices[i].IP != "" {
			dev[r.Devices[i].IP] = &r.Devices[i]
		}
	}
	for i := range r.Flows {
		f := &r.Flows[i]
		enrichFlow(f, dev[f.Client], dev[f.Server])
	}
	for i := range r.Devices {
		d := &r.Devices[i]
		slices.SortFunc(d.Risks, func(a, b discover.Risk) int {
			return strings.Compare(a.Kind+a.Detail+a.Peer, b.Kind+b.Detail+b.Peer)
		})
		d.Risks = slices.CompactFunc(d.Risks, func(a, b discover.Risk) bool { return a == b })
		if d.PHI != "" && d.Medical != nil {
			d.Medical.PHI = d.PHI
		}
	}
}

func addRisk(d *discover.Device, r discover.Risk) {
	if d == nil || len(d.Risks) >= 64 {
		return
	}
	d.Risks = append(d.Risks, r)
}

func enrichFlow(f *discover.Flow, client, server *discover.Device) {
	f.Category = discover.CategoryOther
	for _, a := range f.App {
		if c, ok := appCategory[a]; ok {
			f.Category = c
			break
		}
	}
	if f.Category == discover.CategoryOther && (f.Transport == "icmp" || f.Transport == "icmpv6" || f.Transport == "igmp") {
		f.Category = discover.CategoryNetwork
	}
	f.Clinical = f.Category == discover.CategoryClinical
	for _, a := range f.App {
		if phiApps[a] {
			f.PHI = true
		}
	}
	if ip, err := netip.ParseAddr(f.Server); err == nil && discover.IsPublic(ip) {
		f.Internet = true
	}
	for _, k := range []string{"tls.sni", "http.host"} {
		if v := f.Details[k]; len(v) > 0 && f.ServerName == "" {
			f.ServerName = strings.TrimSuffix(strings.Split(v[0], ":")[0], ".")
		}
	}
	if f.Internet && f.ServerName != "" && client != nil && vendorDomain(client.Vendor, f.ServerName) {
		f.VendorEndpoint = true
	}
	peerC, peerS := f.Server, f.Client
	port := f.Port
	risk := func(kind, detail string) {
		if !slices.Contains(f.Risks, kind) {
			f.Risks = append(f.Risks, kind)
		}
		addRisk(client, discover.Risk{Kind: kind, Detail: detail, Peer: peerC, Port: port})
		addRisk(server, discover.Risk{Kind: kind, Detail: detail, Peer: peerS, Port: port})
	}
	has := func(app string) bool { return slices.Contains(f.App, app) }
	switch {
	case has("telnet"):
		risk("cleartext", "Telnet sends logins and commands unencrypted")
	case has("ftp"):
		if len(f.Details["ftp.user"]) > 0 {
			risk("cleartext-credentials", "FTP login sent unencrypted (user "+f.Details["ftp.user"][0]+")")
		} else {
			risk("cleartext", "FTP sends logins and files unencrypted")
		}
	}
	if len(f.Details["http.auth"]) > 0 {
		risk("cleartext-credentials", "HTTP basic authentication over unencrypted HTTP")
	}
	if has("snmp") {
		for _, v := range f.Details["snmp.version"] {
			if v == "1" || v == "2c" {
				risk("weak-auth", "SNMPv"+v+" authenticates with a community string sent in clear")
				break
			}
		}
		for _, c := range f.Details["snmp.community"] {
			if defaultCommunities[strings.ToLower(c)] {
				risk("default-credential", "SNMP default community "+strconv.Quote(c))
			}
		}
	}
	if f.PHI && !has("tls") {
		app := "DICOM"
		if has("hl7") {
			app = "HL7"
		}
		risk("phi-cleartext", app+" carries patient data unencrypted")
	}
	if f.Internet {
		for _, a := range f.App {
			if remoteAccess[a] {
				risk("internet-remote-access", strings.ToUpper(a)+" to an internet address")
			}
		}
	}
	if ip, err := netip.ParseAddr(f.Client); err == nil && discover.IsPublic(ip) && server != nil && !server.Internet && f.ServerPackets > 0 {
		risk("internet-exposure", "a service answers an internet client")
	}
	if f.PHI {
		for _, d := range []*discover.Device{client, server} {
			if d != nil {
				d.PHI = "large"
			}
		}
	}
}

// vendorDomain reports whether name (a DNS name) belongs to vendor: a
// label of the name (or a hyphen-separated part of one) is the vendor's
// distinctive name word, or all its words run together ("gehealthcare").
func vendorDomain(vendor, name string) bool {
	words := vendorWords(vendor)
	if len(words) == 0 {
		return false
	}
	joined := strings.Join(words, "")
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(name, ".")), ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels[:len(labels)-1] {
		if l == joined {
			return true
		}
		for _, part := range strings.Split(l, "-") {
			for _, w := range words {
				if part == w && len(w) >= 4 && !genericWords[w] {
					return true
				}
			}
		}
	}
	return false
}

// genericWords do not identify a vendor on their own.
var genericWords = map[string]bool{"healthcare": true, "medical": true, "systems": true, "technologies": true,
	"technology": true, "electronics": true, "international": true, "group": true, "corporation": true,
	"company": true, "solutions": true, "health": true, "networks": true, "digital": true, "global": true}

func vendorWords(vendor string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(vendor), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		switch w {
		case "the", "inc", "co", "ltd", "llc", "corp", "gmbh", "ag", "sa", "kg", "bv", "shenzhen", "hangzhou",
			"zhejiang", "beijing", "shanghai", "guangzhou":
			continue
		}
		out = append(out, w)
	}
	return out
}

// Peer is one correspondent of a device.
type Peer struct {
	Address   string    `json:"address"`
	Name      string    `json:"name,omitempty"`
	Role      string    `json:"role"` // "server" when the device is the client, "client" otherwise
	Transport string    `json:"transport"`
	Port      int       `json:"port"`
	Apps      []string  `json:"apps"`
	Category  string    `json:"category"`
	Internet  bool      `json:"internet,omitempty"`
	Vendor    bool      `json:"vendor_endpoint,omitempty"`
	Packets   uint64    `json:"packets"`
	Bytes     uint64    `json:"bytes"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// DeviceMap is the communication map of one device.
type DeviceMap struct {
	Device   string   `json:"device"`
	Peers    []Peer   `json:"peers"`
	Clinical bool     `json:"clinical"`
	Internet []string `json:"internet_destinations,omitempty"`
}

// Map is the communication map of every device of a report.
type Map struct {
	Devices map[string]*DeviceMap
}

// Build makes the communication map of an enriched report.
func Build(r *discover.Report) *Map {
	m := &Map{Devices: map[string]*DeviceMap{}}
	get := func(ip string) *DeviceMap {
		d := m.Devices[ip]
		if d == nil {
			d = &DeviceMap{Device: ip}
			m.Devices[ip] = d
		}
		return d
	}
	for _, f := range r.Flows {
		c, s := get(f.Client), get(f.Server)
		base := Peer{Transport: f.Transport, Port: f.Port, Apps: f.App, Category: f.Category, Internet: f.Internet,
			Vendor: f.VendorEndpoint, Packets: f.Packets, Bytes: f.Bytes, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}
		pc := base
		pc.Address, pc.Name, pc.Role = f.Server, f.ServerName, "server"
		c.Peers = append(c.Peers, pc)
		ps := base
		ps.Address, ps.Role, ps.Internet, ps.Vendor = f.Client, "client", false, false
		if ip, err := netip.ParseAddr(f.Client); err == nil && discover.IsPublic(ip) {
			ps.Internet = true
		}
		s.Peers = append(s.Peers, ps)
		if f.Clinical {
			c.Clinical, s.Clinical = true, true
		}
		if f.Internet {
			dest := f.Server
			if f.ServerName != "" {
				dest = f.ServerName + " (" + f.Server + ")"
			}
			if !slices.Contains(c.Internet, dest) {
				c.Internet = append(c.Internet, dest)
			}
		}
	}
	for _, d := range m.Devices {
		sort.Strings(d.Internet)
	}
	return m
}
