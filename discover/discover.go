// Package discover holds the records of passive device discovery: what the
// sensor reports about each device it sees (identity strings per protocol,
// classification with confidence and evidence, clinical profile, risks) and
// about each communication between two devices (a flow summary), and the
// small interface through which a sensor hands them to the platform.
//
// The engines live in subpackages: capture (pcap, pcapng, AF_PACKET),
// decode (link to transport headers), dissect (identity extraction per
// protocol), sensor (the pipeline and bounded state), classify (declarative
// device rules), commsmap (the communication map and network risks),
// baseline (learning and anomalies), allowlist (segmentation policies) and
// flows (NetFlow, IPFIX and Zeek conn.log input).
package discover

import (
	"context"
	"net/netip"
	"time"

	"bianque"
)

// Report is the document "bianque discover" prints.
type Report struct {
	Devices []Device `json:"devices"`
	Flows   []Flow   `json:"flows"`
	Stats   *Stats   `json:"stats,omitempty"`
}

// Identities holds extracted strings per protocol section and field, e.g.
// {"dhcp": {"hostname": ["Lucas-iPhone"]}, "dicom": {"calling_ae": ["CT01"]}}.
type Identities map[string]map[string][]string

// Add appends v to section/field unless present.
func (ids Identities) Add(section, field, v string) {
	f := ids[section]
	if f == nil {
		f = map[string][]string{}
		ids[section] = f
	}
	for _, x := range f[field] {
		if x == v {
			return
		}
	}
	f[field] = append(f[field], v)
}

// Get returns the values of "section.field".
func (ids Identities) Get(section, field string) []string { return ids[section][field] }

// Address kinds of a device record.
const (
	AddrUnicast     = "unicast"
	AddrMulticast   = "multicast"
	AddrBroadcast   = "broadcast"
	AddrUnspecified = "unspecified"
	AddrLoopback    = "loopback"
	AddrNone        = "none" // a device known only by its MAC address
)

// Device is what passive discovery knows about one device: one IP address
// with the MAC addresses seen sending from it, or one MAC address that was
// never seen with an address of its own (a switch speaking LLDP).
type Device struct {
	IP   string   `json:"ip"`
	MACs []string `json:"macs"`
	// MAC is the device's own MAC when one of MACs belongs to it (ARP, DHCP,
	// or the only address behind it); empty for addresses behind a router.
	MAC string `json:"mac,omitempty"`
	// Routed devices were only seen through a router's MAC: they are not on
	// a monitored segment (internet hosts, other subnets).
	Routed   bool   `json:"routed,omitempty"`
	Address  string `json:"address"`
	Internet bool   `json:"internet,omitempty"` // a public address

	Vendor          string   `json:"vendor"`
	Model           string   `json:"model,omitempty"`
	OS              string   `json:"os"`
	SoftwareVersion string   `json:"software_version,omitempty"`
	Names           []string `json:"names"`
	DeviceType      string   `json:"device_type"`
	// Kind is the asset ledger kind (bianque.AssetKind).
	Kind       string     `json:"kind,omitempty"`
	Confidence float64    `json:"confidence"`
	Evidence   []Evidence `json:"evidence,omitempty"`
	// Attributes records the confidence and evidence of vendor, model, os
	// and software_version when a rule set them.
	Attributes map[string]Attribute    `json:"attributes,omitempty"`
	Medical    *bianque.MedicalProfile `json:"medical,omitempty"`
	// MedicalInferred is set while the medical profile is the sensor's
	// inference, not yet confirmed by the hospital.
	MedicalInferred bool `json:"medical_inferred,omitempty"`
	// PHI says whether the device sends or receives protected health
	// information: "large" when it takes part in DICOM or HL7 flows.
	PHI string `json:"phi,omitempty"`

	VLANs    []int     `json:"vlans,omitempty"`
	Location *Location `json:"location,omitempty"`
	Services []Service `json:"services,omitempty"`
	Risks    []Risk    `json:"risks,omitempty"`

	Identities Identities `json:"identities"`

	Packets   uint64    `json:"packets"`
	Bytes     uint64    `json:"bytes"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Key identifies the device: its IP, or "mac:<mac>" for MAC-only devices.
func (d *Device) Key() string {
	if d.IP != "" {
		return d.IP
	}
	if len(d.MACs) > 0 {
		return "mac:" + d.MACs[0]
	}
	return ""
}

// Evidence is one observation that supported a conclusion.
type Evidence struct {
	Rule       string  `json:"rule"`
	Field      string  `json:"field"`
	Value      string  `json:"value"`
	Says       string  `json:"says"`
	Confidence float64 `json:"confidence"`
}

// Attribute is an inferred value with its confidence and evidence.
type Attribute struct {
	Value      string     `json:"value"`
	Confidence float64    `json:"confidence"`
	Evidence   []Evidence `json:"evidence,omitempty"`
}

// Location places a device: the switch and port it is plugged into (from
// LLDP/CDP of the switch or the device), and the department and room from
// the hospital's subnet/VLAN map.
type Location struct {
	Switch     string `json:"switch,omitempty"`
	SwitchPort string `json:"switch_port,omitempty"`
	VLAN       int    `json:"vlan,omitempty"`
	Department string `json:"department,omitempty"`
	Room       string `json:"room,omitempty"`
	Source     string `json:"source,omitempty"` // "lldp", "cdp", "subnet-map", "vlan-map"
}

// Service is a port a device answered on.
type Service struct {
	Transport string `json:"transport"`
	Port      int    `json:"port"`
	App       string `json:"app,omitempty"`
}

// Risk is a network-level weakness seen in traffic (004 phase II step 2).
type Risk struct {
	Kind   string `json:"kind"` // cleartext, weak-auth, default-credential, internet-exposure, phi-cleartext
	Detail string `json:"detail"`
	Peer   string `json:"peer,omitempty"`
	Port   int    `json:"port,omitempty"`
}

// Flow categories.
const (
	CategoryClinical = "clinical" // DICOM, HL7, medical device protocols: carry PHI or patient data
	CategoryControl  = "control"  // building and industrial control, device management
	CategoryNetwork  = "network"  // DNS, DHCP, discovery, time, directory
	CategoryOther    = "other"
)

// Flow is the communication of a client with a server on one port, summed
// over every connection between them.
type Flow struct {
	Client    string   `json:"client"`
	Server    string   `json:"server"`
	Transport string   `json:"transport"`
	Port      int      `json:"port"`
	App       []string `json:"app"`

	Category string `json:"category,omitempty"`
	Clinical bool   `json:"clinical,omitempty"`
	// PHI is set for flows whose protocol carries protected health information.
	PHI bool `json:"phi,omitempty"`
	// Internet is set when the server is a public address; ServerName is
	// what the client called it (TLS SNI, HTTP Host, DNS).
	Internet   bool   `json:"internet,omitempty"`
	ServerName string `json:"server_name,omitempty"`
	// VendorEndpoint is set when the name belongs to the client's vendor.
	VendorEndpoint bool     `json:"vendor_endpoint,omitempty"`
	Risks          []string `json:"risks,omitempty"`
	// Details keeps flow-level identity: AE titles, HL7 applications, SNI.
	Details map[string][]string `json:"details,omitempty"`

	Connections   uint64    `json:"connections"`
	Packets       uint64    `json:"packets"`
	Bytes         uint64    `json:"bytes"`
	ClientPackets uint64    `json:"client_packets"`
	ClientBytes   uint64    `json:"client_bytes"`
	ServerPackets uint64    `json:"server_packets"`
	ServerBytes   uint64    `json:"server_bytes"`
	FirstSeen     time.Time `json:"first_seen"`
	LastSeen      time.Time `json:"last_seen"`
}

// Key identifies the flow aggregate.
func (f *Flow) Key() FlowKey {
	return FlowKey{Client: f.Client, Server: f.Server, Transport: f.Transport, Port: f.Port}
}

// FlowKey identifies a communication: who talks to whom, how, on which port.
type FlowKey struct {
	Client    string `json:"client"`
	Server    string `json:"server"`
	Transport string `json:"transport"`
	Port      int    `json:"port"`
}

// FlowRecord is one flow reported by a flow exporter (NetFlow, IPFIX) or a
// flow log (Zeek conn.log) where packets are not available.
type FlowRecord struct {
	Start, End       time.Time
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
	// Packets and Bytes count the Src→Dst direction; Rev* the reverse
	// direction of a bidirectional record (IPFIX biflow, Zeek).
	Packets, Bytes       uint64
	RevPackets, RevBytes uint64
	SrcMAC, DstMAC       string
	VLAN                 int
	TCPFlags             uint8
	// SrcIsClient is set when the source says who initiated (Zeek's
	// originator); otherwise ports decide.
	SrcIsClient bool
	// App names the application when the source identified it (Zeek service).
	App string
	// Exporter is the address of the device that exported the record.
	Exporter netip.Addr
}

// Stats counts what the sensor saw, skipped and evicted. Nothing is dropped
// without being counted.
type Stats struct {
	Frames         uint64            `json:"frames"`
	Bytes          uint64            `json:"bytes"`
	DecodeErrors   map[string]uint64 `json:"decode_errors,omitempty"`
	NonIP          uint64            `json:"non_ip"`
	Fragments      uint64            `json:"fragments"`
	FlowsCreated   uint64            `json:"flows_created"`
	FlowsEvicted   uint64            `json:"flows_evicted"` // removed early because the table was full
	FlowsExpired   uint64            `json:"flows_expired"` // idle timeout
	HostsEvicted   uint64            `json:"hosts_evicted"`
	EdgesEvicted   uint64            `json:"edges_evicted"`
	Dissected      map[string]uint64 `json:"dissected,omitempty"`
	ParserGaveUp   uint64            `json:"parser_gave_up"`  // stream buffer limit reached
	TCPGaps        uint64            `json:"tcp_gaps"`        // missing segments: the stream parser stopped
	FactsDropped   uint64            `json:"facts_dropped"`   // value limits per device reached
	CaptureDropped uint64            `json:"capture_dropped"` // kernel drops (live capture)
	SinkErrors     uint64            `json:"sink_errors"`
	FlowRecords    uint64            `json:"flow_records,omitempty"`
	FlowErrors     map[string]uint64 `json:"flow_errors,omitempty"`
}

// Sink receives what a sensor learns: device sightings and flow summaries,
// never packets. The platform implements it (asset ledger, comms map
// store); "bianque collect" forwards through it.
type Sink interface {
	// Sightings reports devices seen or changed since the last call.
	Sightings(ctx context.Context, at time.Time, devices []Device) error
	// FlowSummaries reports flow aggregates with their counters since the
	// last call (deltas: Packets/Bytes count only the new traffic).
	FlowSummaries(ctx context.Context, at time.Time, flows []Flow) error
}

// AddressKind classifies an address for Device.Address.
func AddressKind(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return AddrNone
	case a.IsUnspecified():
		return AddrUnspecified
	case a.IsLoopback():
		return AddrLoopback
	case a.IsMulticast():
		return AddrMulticast
	case a.Is4() && a.As4() == [4]byte{255, 255, 255, 255}:
		return AddrBroadcast
	}
	return AddrUnicast
}

// IsPublic reports a globally routable unicast address (not private,
// link-local, loopback, CGNAT, documentation or reserved space).
func IsPublic(a netip.Addr) bool {
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}
