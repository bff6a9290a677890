package sensor

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"bianque/discover"
	"bianque/discover/decode"
	"bianque/discover/dissect"
)

// edgeKeys are the facts also kept on the flow aggregate they were seen on.
var edgeKeys = [dissect.NumKeys]bool{
	dissect.DICOMCallingAE: true, dissect.DICOMCalledAE: true, dissect.DICOMCommand: true,
	dissect.DICOMSOPClass: true, dissect.DICOMReject: true,
	dissect.HL7SendingApp: true, dissect.HL7SendingFacility: true, dissect.HL7ReceivingApp: true,
	dissect.HL7ReceivingFacility: true, dissect.HL7MessageType: true,
	dissect.TLSSNI: true, dissect.HTTPHost: true, dissect.HTTPBasicAuth: true, dissect.FTPUser: true,
	dissect.SNMPCommunity: true, dissect.NTLMUser: true, dissect.Telnet: true, dissect.SNMPVersion: true,
	dissect.ModbusFunction: true, dissect.BACnetService: true,
}

const edgeDetailBytes = 4096

// applyFacts stores what the dissector left in e.out: facts about the
// packet's source and destination hosts (src, dst), about MAC addresses,
// address bindings and DNS answers.
func (e *Engine) applyFacts(src, dst *host, f *flow) {
	o := &e.out
	for i := range o.Facts {
		ft := &o.Facts[i]
		if ft.HasMAC {
			m := e.macHost(ft.MAC)
			if isNew, dropped := m.facts.add(ft.Key, ft.Value, e.cfg.HostFactBytes); isNew {
				m.dirty = true
			} else if dropped {
				e.stats.FactsDropped++
			}
			continue
		}
		switch ft.Side {
		case dissect.Src:
			e.hostFact(src, ft)
		case dissect.Dst:
			e.hostFact(dst, ft)
		case dissect.Both:
			e.hostFact(src, ft)
			e.hostFact(dst, ft)
		}
		if f != nil && f.edge != nil && edgeKeys[ft.Key] {
			if isNew, _ := f.edge.details.add(ft.Key, ft.Value, edgeDetailBytes); isNew {
				f.edge.dirty = true
			}
		}
	}
	for _, b := range o.Bindings {
		ip, ok := netip.AddrFromSlice(b.IP)
		if !ok || ip.IsUnspecified() || ip.IsMulticast() {
			continue
		}
		ip = ip.Unmap()
		m := e.macHost(b.MAC)
		m.bind(ip)
		h := e.host(ip)
		if h.addMAC(b.MAC) {
			h.dirty = true
		}
	}
	for _, r := range o.Resolutions {
		ip, ok := netip.AddrFromSlice(r.Addr)
		if !ok {
			continue
		}
		if len(e.names) >= maxNames {
			clear(e.names)
		}
		e.names[ip.Unmap()] = string(r.Name)
	}
	e.stats.FactsDropped += uint64(o.Dropped)
	o.Dropped = 0
}

func (e *Engine) hostFact(h *host, ft *dissect.Fact) {
	if h == nil || !factTarget(h.ip) {
		return
	}
	isNew, dropped := h.facts.add(ft.Key, ft.Value, e.cfg.HostFactBytes)
	if isNew {
		h.dirty = true
	} else if dropped {
		e.stats.FactsDropped++
	}
}

// factTarget: group and unspecified addresses are not devices.
func factTarget(a netip.Addr) bool {
	return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() && !isBroadcast4(a)
}

// applyStreamFacts stores facts of a stream parser: Src is the sender of
// direction dir.
func (e *Engine) applyStreamFacts(f *flow, dir int) {
	e.applyFacts(f.hosts[dir], f.hosts[1-dir], f)
}

// ownership decides which MAC addresses belong to which IP addresses. A MAC
// that sent from many IPv4 addresses is a router's: the addresses behind it
// are not its own.
type ownership struct {
	e *Engine
}

func (o ownership) owns(m *macHost, ip netip.Addr) bool {
	if m == nil || m.mac.IsZero() || m.mac.IsGroup() || !factTarget(ip) {
		return false
	}
	if slices.Contains(m.bound, ip) {
		return true
	}
	if ip.Is6() && ip.IsLinkLocalUnicast() && eui64Matches(ip, m.mac) {
		return true
	}
	var v4, private4 int
	var lastPrivate netip.Addr
	for _, a := range m.ips {
		if a.Is4() && factTarget(a) && !a.IsLoopback() {
			v4++
			if a.IsPrivate() || a.IsLinkLocalUnicast() {
				private4++
				lastPrivate = a
			}
		}
	}
	if m.more {
		v4 = maxIPsPerMAC + 1
	}
	switch {
	case v4 <= 1:
		return slices.Contains(m.ips, ip) || ip.Is6()
	case private4 == 1:
		return ip == lastPrivate || ip.Is6() && ip.IsLinkLocalUnicast()
	}
	return false
}

// eui64Matches reports whether an IPv6 interface identifier was derived
// from mac (modified EUI-64).
func eui64Matches(ip netip.Addr, mac decode.MAC) bool {
	b := ip.As16()
	return b[8] == mac[0]^0x02 && b[9] == mac[1] && b[10] == mac[2] && b[11] == 0xff && b[12] == 0xfe &&
		b[13] == mac[3] && b[14] == mac[4] && b[15] == mac[5]
}

// identitiesOf turns fact sets into the output form.
func identitiesOf(sets ...*factSet) discover.Identities {
	ids := discover.Identities{}
	for _, fs := range sets {
		if fs == nil {
			continue
		}
		for i, k := range fs.keys {
			info := k.Info()
			for _, v := range fs.sets[i].list {
				ids.Add(info.Proto, info.Field, v)
			}
		}
	}
	return ids
}

// deviceOf describes host h. macOf finds MAC state (nil: look up live).
func (e *Engine) deviceOf(h *host, macOf func(decode.MAC) *macHost) discover.Device {
	if macOf == nil {
		macOf = func(m decode.MAC) *macHost { return e.macs[m] }
	}
	own := ownership{e}
	d := discover.Device{
		IP:        h.ip.String(),
		MACs:      []string{},
		Address:   discover.AddressKind(h.ip),
		Internet:  discover.IsPublic(h.ip),
		Names:     []string{},
		Packets:   h.pkts,
		Bytes:     h.bytes,
		FirstSeen: time.Unix(0, h.first).UTC(),
		LastSeen:  time.Unix(0, h.last).UTC(),
	}
	if h.ip.Is4() && !h.asSource && h.ip.As4()[3] == 255 {
		d.Address = discover.AddrBroadcast // a directed broadcast: only ever a destination
	}
	sets := []*factSet{&h.facts}
	owned := false
	for _, m := range h.macs {
		d.MACs = append(d.MACs, m.String())
		mh := macOf(m)
		if own.owns(mh, h.ip) {
			if !owned {
				d.MAC = m.String()
				owned = true
			}
			sets = append(sets, &mh.facts)
			for _, v := range mh.vlans {
				h.addVLAN(v)
			}
		}
	}
	d.Routed = len(h.macs) > 0 && !owned && d.Address == discover.AddrUnicast
	d.Identities = identitiesOf(sets...)
	if name, ok := e.names[h.ip]; ok {
		d.Identities.Add("dns", "names", name)
	}
	d.Names = namesOf(d.Identities)
	for _, v := range h.vlans {
		d.VLANs = append(d.VLANs, int(v))
	}
	for _, s := range h.svc {
		d.Services = append(d.Services, discover.Service{Transport: decode.ProtoName(s.proto), Port: int(s.port), App: s.app.String()})
	}
	slices.SortFunc(d.Services, func(a, b discover.Service) int {
		if c := strings.Compare(a.Transport, b.Transport); c != 0 {
			return c
		}
		return a.Port - b.Port
	})
	return d
}

// macDevice describes a MAC address no IP address owns.
func (e *Engine) macDevice(m *macHost) discover.Device {
	d := discover.Device{
		MACs:       []string{m.mac.String()},
		MAC:        m.mac.String(),
		Address:    discover.AddrNone,
		Names:      []string{},
		Identities: identitiesOf(&m.facts),
		FirstSeen:  time.Unix(0, m.first).UTC(),
		LastSeen:   time.Unix(0, m.last).UTC(),
	}
	d.Names = namesOf(d.Identities)
	for _, v := range m.vlans {
		d.VLANs = append(d.VLANs, int(v))
	}
	return d
}

// nameSources lists identity fields that name a host, best first.
var nameSources = [...][2]string{
	{"dhcp", "hostname"}, {"dhcp", "fqdn"}, {"mdns", "hostnames"}, {"netbios", "names"},
	{"netbios", "browser_server"}, {"smb", "ntlm_hostname"}, {"smb", "ntlm_server_name"},
	{"smb", "ntlm_server_dns_name"}, {"lldp", "system_name"}, {"cdp", "device_id"}, {"snmp", "sys_name"},
	{"dicom", "station_name"}, {"syslog", "hostname"}, {"dns", "names"},
}

func namesOf(ids discover.Identities) []string {
	names := []string{}
	groups := ids.Get("netbios", "domains")
	add := func(n string) {
		n = strings.TrimSpace(n)
		if n == "" || n == "-" {
			return
		}
		if _, err := netip.ParseAddr(n); err == nil {
			return
		}
		for _, x := range names {
			if strings.EqualFold(x, n) {
				return
			}
		}
		names = append(names, n)
	}
	for _, src := range nameSources {
		for _, v := range ids.Get(src[0], src[1]) {
			switch src[0] + "." + src[1] {
			case "mdns.hostnames":
				v = strings.TrimSuffix(strings.TrimSuffix(v, "."), ".local")
			case "netbios.names":
				// "NAME<20>": unique workstation/server names only.
				i := strings.LastIndexByte(v, '<')
				if i <= 0 || !(strings.HasSuffix(v, "<00>") || strings.HasSuffix(v, "<20>")) {
					continue
				}
				v = v[:i]
				if slices.Contains(groups, v) {
					continue
				}
			}
			add(v)
		}
	}
	return names
}

// flowOf describes an aggregate; delta reports only traffic since the last flush.
func (e *Engine) flowOf(ed *edge, delta bool) discover.Flow {
	f := discover.Flow{
		Client:    ed.key.client.String(),
		Server:    ed.key.server.String(),
		Transport: decode.ProtoName(ed.key.proto),
		Port:      int(ed.key.port),
		App:       []string{},
		FirstSeen: time.Unix(0, ed.first).UTC(),
		LastSeen:  time.Unix(0, ed.last).UTC(),
	}
	for _, a := range ed.apps {
		f.App = append(f.App, a.String())
	}
	conns, pk, by := ed.conns, ed.pkts, ed.bytes
	if delta {
		conns, pk, by = ed.dConns, ed.dPkts, ed.dBytes
	}
	f.Connections = conns
	f.ClientPackets, f.ServerPackets = pk[0], pk[1]
	f.ClientBytes, f.ServerBytes = by[0], by[1]
	f.Packets, f.Bytes = pk[0]+pk[1], by[0]+by[1]
	if len(ed.details.keys) > 0 {
		f.Details = map[string][]string{}
		for i, k := range ed.details.keys {
			f.Details[k.String()] = slices.Clone(ed.details.sets[i].list)
		}
	}
	if name, ok := e.names[ed.key.server]; ok {
		f.ServerName = name
	}
	return f
}

// Report describes everything the engine holds: every device and every
// flow aggregate, enriched by Config.Enrich.
func (e *Engine) Report() *discover.Report {
	r := &discover.Report{Devices: []discover.Device{}, Flows: []discover.Flow{}}
	macOf := func(m decode.MAC) *macHost { return e.macs[m] }
	if len(e.retiredMACs) > 0 {
		all := make(map[decode.MAC]*macHost, len(e.macs)+len(e.retiredMACs))
		for _, m := range e.retiredMACs {
			all[m.mac] = m
		}
		for k, m := range e.macs {
			all[k] = m
		}
		macOf = func(m decode.MAC) *macHost { return all[m] }
	}
	ownedMACs := map[decode.MAC]bool{}
	own := ownership{e}
	addHost := func(h *host) {
		for _, m := range h.macs {
			if own.owns(macOf(m), h.ip) {
				ownedMACs[m] = true
			}
		}
		r.Devices = append(r.Devices, e.deviceOf(h, macOf))
	}
	for _, h := range e.retiredHosts {
		addHost(h)
	}
	for _, h := range e.hosts {
		addHost(h)
	}
	addMAC := func(m *macHost) {
		if ownedMACs[m.mac] || m.mac.IsZero() || m.mac.IsGroup() {
			return
		}
		if len(m.facts.keys) == 0 && len(m.ips) > 0 {
			return // a router's MAC: its addresses are listed on their own
		}
		r.Devices = append(r.Devices, e.macDevice(m))
	}
	for _, m := range e.retiredMACs {
		addMAC(m)
	}
	for _, m := range e.macs {
		addMAC(m)
	}
	for _, ed := range e.retiredEdges {
		r.Flows = append(r.Flows, e.flowOf(ed, false))
	}
	for _, ed := range e.edges {
		r.Flows = append(r.Flows, e.flowOf(ed, false))
	}
	sortReport(r)
	st := e.Stats()
	r.Stats = &st
	if e.cfg.Enrich != nil {
		e.cfg.Enrich(r)
	}
	return r
}

func sortReport(r *discover.Report) {
	slices.SortFunc(r.Devices, func(a, b discover.Device) int {
		switch {
		case a.IP == "" && b.IP != "":
			return 1
		case a.IP != "" && b.IP == "":
			return -1
		case a.IP == "" && b.IP == "":
			return strings.Compare(a.MACs[0], b.MACs[0])
		}
		x, _ := netip.ParseAddr(a.IP)
		y, _ := netip.ParseAddr(b.IP)
		return x.Compare(y)
	})
	slices.SortFunc(r.Flows, func(a, b discover.Flow) int {
		if c := strings.Compare(a.Client, b.Client); c != 0 {
			return c
		}
		if c := strings.Compare(a.Server, b.Server); c != 0 {
			return c
		}
		if c := strings.Compare(a.Transport, b.Transport); c != 0 {
			return c
		}
		return a.Port - b.Port
	})
}

// Flush hands the devices that changed and the flow deltas since the last
// flush (and everything evicted meanwhile) to the Sink.
func (e *Engine) Flush(ctx context.Context) error {
	if e.cfg.Sink == nil {
		return nil
	}
	r := &discover.Report{Devices: e.evictedOut, Flows: e.evictedFlows}
	e.evictedOut, e.evictedFlows = nil, nil
	sent := map[netip.Addr]struct{}{} // each device once per flush
	for _, h := range e.hosts {
		if h.dirty {
			h.dirty = false
			sent[h.ip] = struct{}{}
			r.Devices = append(r.Devices, e.deviceOf(h, nil))
		}
	}
	for _, m := range e.macs {
		if m.dirty {
			m.dirty = false
			// Hosts owning a changed MAC changed too.
			for _, ip := range m.ips {
				if _, done := sent[ip]; done {
					continue
				}
				if h := e.hosts[ip]; h != nil && (ownership{e}).owns(m, ip) {
					sent[ip] = struct{}{}
					r.Devices = append(r.Devices, e.deviceOf(h, nil))
				}
			}
			if len(m.ips) == 0 && len(m.facts.keys) > 0 {
				r.Devices = append(r.Devices, e.macDevice(m))
			}
		}
	}
	for _, ed := range e.edges {
		if ed.dirty {
			r.Flows = append(r.Flows, e.flowOf(ed, true))
			ed.dirty = false
			ed.dConns, ed.dPkts, ed.dBytes = 0, [2]uint64{}, [2]uint64{}
		}
	}
	if len(r.Devices) == 0 && len(r.Flows) == 0 {
		return nil
	}
	sortReport(r)
	if e.cfg.Enrich != nil {
		e.cfg.Enrich(r)
	}
	at := e.Now()
	var firstErr error
	if len(r.Devices) > 0 {
		if err := e.cfg.Sink.Sightings(ctx, at, r.Devices); err != nil {
			e.stats.SinkErrors++
			firstErr = err
		}
	}
	if len(r.Flows) > 0 {
		if err := e.cfg.Sink.FlowSummaries(ctx, at, r.Flows); err != nil {
			e.stats.SinkErrors++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}
