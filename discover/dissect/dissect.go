// Package dissect extracts identity facts from application payloads: DHCP,
// DNS/mDNS/LLMNR, NetBIOS name service and browser announcements, SSDP,
// HTTP, TLS (SNI, JA3, JA4, certificates), SMB and NTLMSSP, LLDP, CDP, SNMP,
// Modbus/TCP, BACnet/IP, syslog, DICOM upper layer and HL7 v2 over MLLP.
//
// Dissectors are pure functions of the bytes they are given. They report
// what they find through an Emitter as (side, key, value) facts, where side
// says which end of the packet the fact describes. They never panic on
// malformed input, never allocate for values they do not emit, and bound
// every loop by the input length.
package dissect

// Side says which host a fact describes.
type Side uint8

// Sides of a fact.
const (
	Src  Side = iota // the sender of the packet (or of the stream direction)
	Dst              // the receiver
	Both             // both ends (e.g. an SNMP community shared by manager and agent)
)

// Key names a kind of fact.
type Key uint16

// Fact keys. The Proto/Field of each key (KeyInfo) name it in output.
const (
	KeyNone Key = iota

	DHCPHostname
	DHCPVendorClass
	DHCPParamList
	DHCPClientID
	DHCPFQDN
	DHCPMUDURL
	DHCPUserClass
	DHCPMessageType
	DHCPServer // this host answered as a DHCP server

	DNSQuery // a name this host resolved (unicast DNS)
	DNSServer

	MDNSName     // any name in an mDNS message sent by this host
	MDNSHostname // a host name (A/AAAA owner) this host announced
	MDNSService  // a DNS-SD service type this host advertised (answers)
	MDNSInstance // a DNS-SD instance name this host advertised
	MDNSQuery    // a service type or name this host asked for
	MDNSTXT      // a TXT string this host announced

	LLMNRName
	NBName          // NetBIOS name with suffix, "NAME<20>"
	NBNameDescribed // "NAME<20> (Server service)"
	NBDomain        // NetBIOS group name (workgroup/domain)
	NBQuery         // a NetBIOS name this host looked up
	BrowserServer   // browser announcement server name
	BrowserOS       // "4.0"
	BrowserComment
	BrowserType // server type flags of a browser announcement
	BrowserDomain

	SSDPServer
	SSDPUSN
	SSDPLocation
	SSDPType // NT or ST
	SSDPUserAgent
	SSDPHost
	WSDTypes
	WSDScopes
	WSDXAddrs

	HTTPUserAgent
	HTTPServer
	HTTPHost
	HTTPLocation
	HTTPBasicAuth // cleartext basic authentication was sent (value: "basic")
	HTTPRequest   // "GET /path" (method and path prefix)

	TLSSNI
	TLSJA3
	TLSJA3Full
	TLSJA4
	TLSVersion
	TLSALPN
	TLSCertSubject
	TLSCertIssuer
	TLSCertSAN

	SMBNativeOS
	SMBNativeLanman
	SMBDialect
	NTLMHost
	NTLMDomain
	NTLMUser
	NTLMOSVersion
	NTLMServerHost   // NetBIOS computer name from the NTLM challenge (server side)
	NTLMServerDomain // NetBIOS domain from the NTLM challenge
	NTLMServerDNS    // DNS computer name from the NTLM challenge

	LLDPChassisID
	LLDPPortID
	LLDPPortDesc
	LLDPSysName
	LLDPSysDesc
	LLDPCaps
	LLDPMgmtAddr
	LLDPVLAN
	LLDPMUDURL
	LLDPModel // from the TIA-1057 (LLDP-MED) inventory TLVs

	CDPDeviceID
	CDPPlatform
	CDPSoftware
	CDPPortID
	CDPCaps
	CDPAddress
	CDPVLAN

	SNMPCommunity
	SNMPVersion
	SNMPSysDescr
	SNMPSysName
	SNMPSysObjectID
	SNMPSysLocation
	SNMPRole // "agent" or "manager"

	ModbusUnit
	ModbusFunction
	ModbusRole
	ModbusDeviceID // read device identification (function 43/14) objects

	BACnetVendor
	BACnetInstance
	BACnetObjectName
	BACnetModel
	BACnetFirmware
	BACnetService
	BACnetVendorName
	BACnetQueryName // an object name this host searched for (Who-Has)

	SyslogHost
	SyslogApp
	SyslogMessage

	DICOMCallingAE
	DICOMCalledAE
	DICOMImplClassUID
	DICOMImplVersion
	DICOMAbstractSyntax // SOP class UID proposed in an association
	DICOMCommand        // e.g. "C-STORE-RQ"
	DICOMSOPClass       // affected SOP class UID of a DIMSE request
	DICOMModality       // modality named in a dataset (0008,0060)
	DICOMStation        // station name (0008,1010)
	DICOMManufacturer   // (0008,0070)
	DICOMModel          // (0008,1090)
	DICOMReject
	DICOMRequestedSyntax // SOP class UID another host proposed to this one
	DICOMSoftware
	DICOMWorklistModality // modality scheduled for this host in a worklist answer
	DICOMRole             // "scu" or "scp"

	HL7SendingApp
	HL7SendingFacility
	HL7ReceivingApp
	HL7ReceivingFacility
	HL7MessageType
	HL7Version
	HL7Profile    // MSH-21 message profile identifier
	HL7DeviceCode // IEEE 11073 MDC code named in OBX (e.g. MDC_DEV_PUMP_INFUS_MDS)
	HL7Role       // "sender" or "receiver"

	PhilipsDataExport // IntelliVue data export protocol seen
	Telnet
	FTPUser
	FTPBanner
	SSHBanner
	RTSPServer

	numKeys
)

// KeyInfo gives the output section and field of a key.
type KeyInfo struct {
	Proto string // identities section, e.g. "dhcp"
	Field string // field within the section, e.g. "hostname"
	// Max is the number of distinct values kept per host (0: default).
	Max int
}

var keyInfo = [numKeys]KeyInfo{
	DHCPHostname:    {"dhcp", "hostname", 0},
	DHCPVendorClass: {"dhcp", "vendor_class", 0},
	DHCPParamList:   {"dhcp", "param_request_list", 0},
	DHCPClientID:    {"dhcp", "client_id", 0},
	DHCPFQDN:        {"dhcp", "fqdn", 0},
	DHCPMUDURL:      {"dhcp", "mud_url", 0},
	DHCPUserClass:   {"dhcp", "user_class", 0},
	DHCPMessageType: {"dhcp", "message_types", 0},
	DHCPServer:      {"dhcp", "server", 0},

	DNSQuery:  {"dns", "queries", 64},
	DNSServer: {"dns", "server", 0},

	MDNSName:     {"mdns", "names", 128},
	MDNSHostname: {"mdns", "hostnames", 0},
	MDNSService:  {"mdns", "services", 0},
	MDNSInstance: {"mdns", "instances", 0},
	MDNSQuery:    {"mdns", "queries", 0},
	MDNSTXT:      {"mdns", "txt", 128},

	LLMNRName:       {"llmnr", "names", 0},
	NBName:          {"netbios", "names", 0},
	NBNameDescribed: {"netbios", "names_described", 0},
	NBDomain:        {"netbios", "domains", 0},
	NBQuery:         {"netbios", "queries", 32},
	BrowserServer:   {"netbios", "browser_server", 0},
	BrowserOS:       {"netbios", "browser_os_version", 0},
	BrowserComment:  {"netbios", "browser_comment", 0},
	BrowserType:     {"netbios", "browser_type", 0},
	BrowserDomain:   {"netbios", "browser_domain", 0},

	SSDPServer:    {"ssdp", "server", 0},
	SSDPUSN:       {"ssdp", "usn", 0},
	SSDPLocation:  {"ssdp", "location", 0},
	SSDPType:      {"ssdp", "types", 0},
	SSDPUserAgent: {"ssdp", "user_agent", 0},
	SSDPHost:      {"ssdp", "host", 0},
	WSDTypes:      {"wsd", "types", 0},
	WSDScopes:     {"wsd", "scopes", 0},
	WSDXAddrs:     {"wsd", "xaddrs", 0},

	HTTPUserAgent: {"http", "user_agent", 0},
	HTTPServer:    {"http", "server", 0},
	HTTPHost:      {"http", "host", 0},
	HTTPLocation:  {"http", "location", 0},
	HTTPBasicAuth: {"http", "auth", 0},
	HTTPRequest:   {"http", "requests", 16},

	TLSSNI:         {"tls", "sni", 64},
	TLSJA3:         {"tls", "ja3", 0},
	TLSJA3Full:     {"tls", "ja3_full", 0},
	TLSJA4:         {"tls", "ja4", 0},
	TLSVersion:     {"tls", "versions", 0},
	TLSALPN:        {"tls", "alpn", 0},
	TLSCertSubject: {"tls", "cert_subject", 0},
	TLSCertIssuer:  {"tls", "cert_issuer", 0},
	TLSCertSAN:     {"tls", "cert_san", 0},

	SMBNativeOS:      {"smb", "native_os", 0},
	SMBNativeLanman:  {"smb", "native_lanman", 0},
	SMBDialect:       {"smb", "dialects", 0},
	NTLMHost:         {"smb", "ntlm_hostname", 0},
	NTLMDomain:       {"smb", "ntlm_domain", 0},
	NTLMUser:         {"smb", "ntlm_user", 0},
	NTLMOSVersion:    {"smb", "ntlm_os_version", 0},
	NTLMServerHost:   {"smb", "ntlm_server_name", 0},
	NTLMServerDomain: {"smb", "ntlm_server_domain", 0},
	NTLMServerDNS:    {"smb", "ntlm_server_dns_name", 0},

	LLDPChassisID: {"lldp", "chassis_id", 0},
	LLDPPortID:    {"lldp", "port_id", 0},
	LLDPPortDesc:  {"lldp", "port_desc", 0},
	LLDPSysName:   {"lldp", "system_name", 0},
	LLDPSysDesc:   {"lldp", "system_desc", 0},
	LLDPCaps:      {"lldp", "capabilities", 0},
	LLDPMgmtAddr:  {"lldp", "mgmt_addr", 0},
	LLDPVLAN:      {"lldp", "vlan", 0},
	LLDPMUDURL:    {"lldp", "mud_url", 0},
	LLDPModel:     {"lldp", "inventory", 0},

	CDPDeviceID: {"cdp", "device_id", 0},
	CDPPlatform: {"cdp", "platform", 0},
	CDPSoftware: {"cdp", "software_version", 0},
	CDPPortID:   {"cdp", "port_id", 0},
	CDPCaps:     {"cdp", "capabilities", 0},
	CDPAddress:  {"cdp", "addresses", 0},
	CDPVLAN:     {"cdp", "native_vlan", 0},

	SNMPCommunity:   {"snmp", "community", 0},
	SNMPVersion:     {"snmp", "version", 0},
	SNMPSysDescr:    {"snmp", "sys_descr", 0},
	SNMPSysName:     {"snmp", "sys_name", 0},
	SNMPSysObjectID: {"snmp", "sys_object_id", 0},
	SNMPSysLocation: {"snmp", "sys_location", 0},
	SNMPRole:        {"snmp", "role", 0},

	ModbusUnit:     {"modbus", "unit_ids", 256},
	ModbusFunction: {"modbus", "functions", 128},
	ModbusRole:     {"modbus", "role", 0},
	ModbusDeviceID: {"modbus", "device_id", 0},

	BACnetVendor:     {"bacnet", "vendor_id", 0},
	BACnetInstance:   {"bacnet", "instance", 0},
	BACnetObjectName: {"bacnet", "object_name", 0},
	BACnetModel:      {"bacnet", "model", 0},
	BACnetFirmware:   {"bacnet", "firmware", 0},
	BACnetService:    {"bacnet", "services", 32},
	BACnetVendorName: {"bacnet", "vendor_name", 0},
	BACnetQueryName:  {"bacnet", "queried_object_name", 0},

	SyslogHost:    {"syslog", "hostname", 0},
	SyslogApp:     {"syslog", "app", 0},
	SyslogMessage: {"syslog", "messages", 20},

	DICOMCallingAE:        {"dicom", "calling_ae", 0},
	DICOMCalledAE:         {"dicom", "called_ae", 0},
	DICOMImplClassUID:     {"dicom", "impl_class_uid", 0},
	DICOMImplVersion:      {"dicom", "impl_version", 0},
	DICOMAbstractSyntax:   {"dicom", "abstract_syntaxes", 0},
	DICOMCommand:          {"dicom", "commands", 0},
	DICOMSOPClass:         {"dicom", "sop_classes", 0},
	DICOMModality:         {"dicom", "modalities", 0},
	DICOMStation:          {"dicom", "station_name", 0},
	DICOMManufacturer:     {"dicom", "manufacturer", 0},
	DICOMModel:            {"dicom", "model", 0},
	DICOMReject:           {"dicom", "rejects", 0},
	DICOMSoftware:         {"dicom", "software_versions", 0},
	DICOMRequestedSyntax:  {"dicom", "requested_syntaxes", 128},
	DICOMWorklistModality: {"dicom", "worklist_modalities", 0},
	DICOMRole:             {"dicom", "role", 0},

	HL7SendingApp:        {"hl7", "sending_app", 0},
	HL7SendingFacility:   {"hl7", "sending_facility", 0},
	HL7ReceivingApp:      {"hl7", "receiving_app", 0},
	HL7ReceivingFacility: {"hl7", "receiving_facility", 0},
	HL7MessageType:       {"hl7", "message_types", 0},
	HL7Version:           {"hl7", "version", 0},
	HL7Profile:           {"hl7", "profiles", 0},
	HL7DeviceCode:        {"hl7", "device_codes", 0},
	HL7Role:              {"hl7", "role", 0},

	PhilipsDataExport: {"intellivue", "data_export", 0},
	Telnet:            {"telnet", "seen", 0},
	FTPUser:           {"ftp", "user", 0},
	FTPBanner:         {"ftp", "banner", 0},
	SSHBanner:         {"ssh", "banner", 0},
	RTSPServer:        {"rtsp", "server", 0},
}

// Info returns the output section and field of k.
func (k Key) Info() KeyInfo {
	if k >= numKeys {
		return KeyInfo{}
	}
	return keyInfo[k]
}

// String is "section.field".
func (k Key) String() string {
	i := k.Info()
	if i.Proto == "" {
		return "unknown"
	}
	return i.Proto + "." + i.Field
}

// NumKeys is the number of defined keys (for tables indexed by Key).
const NumKeys = int(numKeys)

// KeyByName finds a key from its "section.field" name.
func KeyByName(name string) (Key, bool) {
	for k := Key(1); k < numKeys; k++ {
		if k.String() == name {
			return k, true
		}
	}
	return KeyNone, false
}

// Fact is one thing a dissector learnt.
type Fact struct {
	Side Side
	Key  Key
	// MAC is set (HasMAC) when the fact describes the host with this MAC
	// address rather than an end of the packet (DHCP client, LLDP speaker).
	MAC    [6]byte
	HasMAC bool
	Value  []byte // valid until the next Reset
}

// Binding says that an IPv4/IPv6 address belongs to a MAC address.
type Binding struct {
	MAC [6]byte
	IP  []byte
}

// Resolution is a DNS answer: Name resolves to Addr (4 or 16 bytes).
type Resolution struct {
	Name []byte
	Addr []byte
}

// maxArena bounds the bytes of fact values kept per dissected message.
const maxArena = 1 << 20

// Out collects what dissectors find. The caller owns one Out, calls Reset
// before each message and reads Facts, Bindings and Resolutions after it.
// Values are copied into an internal arena, so dissectors may pass slices of
// their scratch buffers; nothing is allocated once the arena has grown to
// its working size.
type Out struct {
	Facts       []Fact
	Bindings    []Binding
	Resolutions []Resolution
	// Dropped counts facts not kept because the arena was full.
	Dropped int

	arena []byte
	// Scratch buffers for dissectors (names, formatted values); kept here
	// so calls do not clear stack arrays.
	nbuf, tbuf, fbuf [1024]byte
	sbuf             [2048]byte
}

// Reset forgets the facts of the previous message.
func (o *Out) Reset() {
	o.Facts = o.Facts[:0]
	o.Bindings = o.Bindings[:0]
	o.Resolutions = o.Resolutions[:0]
	o.arena = o.arena[:0]
}

func (o *Out) keep(v []byte) ([]byte, bool) {
	if len(o.arena)+len(v) > maxArena {
		o.Dropped++
		return nil, false
	}
	if cap(o.arena)-len(o.arena) < len(v) {
		// Grow into a new array; values already kept keep pointing into the old one.
		n := max(2*cap(o.arena), 4096, len(v))
		o.arena = make([]byte, 0, n)
	}
	start := len(o.arena)
	o.arena = append(o.arena, v...)
	return o.arena[start:len(o.arena):len(o.arena)], true
}

// Fact reports a fact about one end of the current packet or stream.
func (o *Out) Fact(side Side, key Key, value []byte) {
	if v, ok := o.keep(value); ok {
		o.Facts = append(o.Facts, Fact{Side: side, Key: key, Value: v})
	}
}

// MACFact reports a fact about the host owning a MAC address.
func (o *Out) MACFact(mac [6]byte, key Key, value []byte) {
	if v, ok := o.keep(value); ok {
		o.Facts = append(o.Facts, Fact{Key: key, MAC: mac, HasMAC: true, Value: v})
	}
}

// Bind reports that ip (4 or 16 bytes) belongs to the host with mac.
func (o *Out) Bind(mac [6]byte, ip []byte) {
	if v, ok := o.keep(ip); ok {
		o.Bindings = append(o.Bindings, Binding{MAC: mac, IP: v})
	}
}

// Resolved reports a DNS answer.
func (o *Out) Resolved(name, addr []byte) {
	n, ok1 := o.keep(name)
	a, ok2 := o.keep(addr)
	if ok1 && ok2 {
		o.Resolutions = append(o.Resolutions, Resolution{Name: n, Addr: a})
	}
}

// Has reports whether a fact with key and value was collected (for tests).
func (o *Out) Has(key Key, value string) bool {
	for _, f := range o.Facts {
		if f.Key == key && string(f.Value) == value {
			return true
		}
	}
	return false
}

// Values lists the values collected for key (for tests).
func (o *Out) Values(key Key) []string {
	var vs []string
	for _, f := range o.Facts {
		if f.Key == key {
			vs = append(vs, string(f.Value))
		}
	}
	return vs
}

// App identifies an application protocol recognised on a flow.
type App uint8

// Application protocols.
const (
	AppUnknown App = iota
	AppDHCP
	AppDNS
	AppMDNS
	AppLLMNR
	AppNBNS
	AppNBDGM
	AppSSDP
	AppHTTP
	AppTLS
	AppSMB
	AppSNMP
	AppModbus
	AppBACnet
	AppSyslog
	AppDICOM
	AppHL7
	AppTelnet
	AppFTP
	AppSSH
	AppRTSP
	AppNTP
	AppIntelliVue
	AppDHCPv6
	AppRDP
	AppVNC
	AppMQTT
	AppLDAP
	AppKerberos
	AppSIP
	AppIPP
	AppWSD
	numApps
)

var appNames = [numApps]string{
	AppUnknown:    "",
	AppDHCP:       "dhcp",
	AppDNS:        "dns",
	AppMDNS:       "mdns",
	AppLLMNR:      "llmnr",
	AppNBNS:       "nbns",
	AppNBDGM:      "browser",
	AppSSDP:       "ssdp",
	AppHTTP:       "http",
	AppTLS:        "tls",
	AppSMB:        "smb",
	AppSNMP:       "snmp",
	AppModbus:     "modbus",
	AppBACnet:     "bacnet",
	AppSyslog:     "syslog",
	AppDICOM:      "dicom",
	AppHL7:        "hl7",
	AppTelnet:     "telnet",
	AppFTP:        "ftp",
	AppSSH:        "ssh",
	AppRTSP:       "rtsp",
	AppNTP:        "ntp",
	AppIntelliVue: "intellivue",
	AppDHCPv6:     "dhcpv6",
	AppRDP:        "rdp",
	AppVNC:        "vnc",
	AppMQTT:       "mqtt",
	AppLDAP:       "ldap",
	AppKerberos:   "kerberos",
	AppSIP:        "sip",
	AppIPP:        "ipp",
	AppWSD:        "ws-discovery",
}

// String names the protocol as in output ("dicom", "hl7", ...).
func (a App) String() string {
	if a >= numApps {
		return ""
	}
	return appNames[a]
}

// AppByName is the inverse of App.String.
func AppByName(s string) (App, bool) {
	for a := App(1); a < numApps; a++ {
		if appNames[a] == s {
			return a, true
		}
	}
	return AppUnknown, false
}

// NumApps is the number of defined application protocols.
const NumApps = int(numApps)
