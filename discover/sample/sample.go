// Package sample generates an hour of traffic of a small hospital network
// as a pcap capture, for the demo ("bianque serve --demo" replays it through
// the sensor and the asset ledger) and for platform tests. The devices
// follow the protocols' published specifications (DICOM PS3.7/3.8, IHE PCD-01
// over HL7 v2 with IEEE 11073 codes, the Philips IntelliVue data export
// ports, ONVIF WS-Discovery, DNS-SD printing, BACnet/IP, SNMPv2c, Telnet);
// no capture of real patient traffic is involved.
//
//	10.60.0.1     gateway (routes the internet)
//	10.60.1.0/24  radiology: CT (Siemens), ultrasound (GE), PACS, RIS
//	10.60.2.0/24  data centre: HL7 interface engine, network management station
//	10.60.3.0/24  intensive care: two infusion pumps, a Philips patient monitor
//	10.60.4.0/24  facilities: IP camera, printer, BACnet controller, engineering workstation
//
// The CT keeps a TLS connection to its maker's remote service; the
// management station polls the pumps over SNMPv2c with the community
// "public"; the engineering workstation logs in to the monitor over Telnet.
package sample

import (
	"bytes"
	"time"

	"bianque/discover/classify"
	"bianque/discover/internal/synth"
)

// Addresses of the sample network's devices.
const (
	Gateway      = "10.60.0.1"
	CT           = "10.60.1.10"
	Ultrasound   = "10.60.1.11"
	PACS         = "10.60.1.50"
	RIS          = "10.60.1.51"
	Engine       = "10.60.2.5"
	NMS          = "10.60.2.9"
	Pump1        = "10.60.3.20"
	Pump2        = "10.60.3.21"
	Monitor      = "10.60.3.30"
	Camera       = "10.60.4.40"
	Printer      = "10.60.4.41"
	BMS          = "10.60.4.43"
	Workstation  = "10.60.4.7"
	VendorRemote = "194.138.20.71" // the CT maker's remote service
	// UnknownServer is where NewInternetDestination connects.
	UnknownServer = "93.184.216.34"
)

var (
	gw       = synth.NewHost("02:00:00:0a:00:01", Gateway)
	ct       = synth.NewHost("02:00:00:0a:01:10", CT)
	us       = synth.NewHost("02:00:00:0a:01:11", Ultrasound)
	pacs     = synth.NewHost("02:00:00:0a:01:50", PACS)
	ris      = synth.NewHost("02:00:00:0a:01:51", RIS)
	engine   = synth.NewHost("02:00:00:0a:02:05", Engine)
	nms      = synth.NewHost("02:00:00:0a:02:09", NMS)
	pump1    = synth.NewHost("02:00:00:0a:03:20", Pump1)
	pump2    = synth.NewHost("02:00:00:0a:03:21", Pump2)
	monitor  = synth.NewHost("00:09:5c:0a:03:30", Monitor) // Philips Medical Systems OUI
	camera   = synth.NewHost("02:00:00:0a:04:40", Camera)
	printer  = synth.NewHost("02:00:00:0a:04:41", Printer)
	bms      = synth.NewHost("02:00:00:0a:04:43", BMS)
	eng      = synth.NewHost("02:00:00:0a:04:07", Workstation)
	remote   = synth.NewHost("02:00:00:0a:00:01", VendorRemote) // behind the gateway's MAC
	unknown  = synth.NewHost("02:00:00:0a:00:01", UnknownServer)
	bcastICU = synth.NewHost("ff:ff:ff:ff:ff:ff", "10.60.3.255")
	bcastFac = synth.NewHost("ff:ff:ff:ff:ff:ff", "10.60.4.255")
	mdns     = synth.NewHost("01:00:5e:00:00:fb", "224.0.0.251")
)

// Options shape one hour of traffic.
type Options struct {
	// Start is the time of the first frame.
	Start time.Time
	// StudyBytes is the pixel data of the CT's study (default 256 KiB).
	StudyBytes int
	// NewInternetDestination, when set, makes the first infusion pump open
	// a TLS connection to UnknownServer under that name: a departure from
	// anything it did before.
	NewInternetDestination string
}

// SiteMap is the hospital's map of the sample network.
func SiteMap() classify.SiteMap {
	return classify.SiteMap{Entries: []classify.SiteEntry{
		{Subnet: "10.60.1.0/24", Department: "放射科", Room: "影像中心 1F"},
		{Subnet: "10.60.2.0/24", Department: "信息中心", Room: "机房 B1"},
		{Subnet: "10.60.3.0/24", Department: "重症医学科", Room: "ICU 2 病区"},
		{Subnet: "10.60.4.0/24", Department: "后勤保障部"},
	}}
}

// Hour writes one hour of the sample network's traffic.
func Hour(opt Options) ([]byte, error) {
	if opt.StudyBytes <= 0 {
		opt.StudyBytes = 256 << 10
	}
	var buf bytes.Buffer
	w, err := synth.New(&buf, opt.Start)
	if err != nil {
		return nil, err
	}
	port := func(base int) uint16 { return uint16(base + opt.Start.Hour()) }
	var errs []error
	done := func(c *synth.Conn) {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}

	// The CT stores a study on the PACS.
	store := func(from synth.Host, p uint16, ae, sop, modality, maker, model, implUID, implVersion string, pixels int) {
		c := w.Dial(from, pacs, p, 104)
		pcs := []synth.PresentationContext{{ID: 1, AbstractSyntax: sop, TransferSyntaxes: []string{synth.ExplicitLE}}}
		c.Send(true, synth.AssociateRQ("PACS", ae, pcs, implUID, implVersion), 0)
		c.Send(false, synth.AssociateAC("PACS", ae, pcs, "1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367"), 0)
		c.Send(true, synth.PData(1, true, true, synth.Command(0x0001, sop, 1, true)), 0)
		ds := synth.Explicit(
			synth.Element{Tag: 0x00080016, VR: "UI", Value: []byte(sop)},
			synth.Element{Tag: 0x00080060, VR: "CS", Value: []byte(modality)},
			synth.Element{Tag: 0x00080070, VR: "LO", Value: []byte(maker)},
			synth.Element{Tag: 0x00081090, VR: "LO", Value: []byte(model)},
			synth.Element{Tag: 0x7fe00010, VR: "OB", Value: make([]byte, pixels)},
		)
		c.Send(true, synth.PData(1, false, true, ds), 8192)
		c.Send(false, synth.PData(1, true, true, synth.Command(0x8001, sop, 1, false)), 0)
		c.Send(true, synth.ReleaseRQ(), 0)
		c.Send(false, synth.ReleaseRP(), 0)
		done(c)
	}
	store(ct, port(40000), "CT_ROOM1", "1.2.840.10008.5.1.4.1.1.2", "CT", "SIEMENS", "SOMATOM go.Up",
		"1.3.12.2.1107.5.2", "SIEMENS_VB20", opt.StudyBytes)

	// The ultrasound asks the RIS for its worklist, then stores a study.
	mwl := "1.2.840.10008.5.1.4.31"
	c := w.Dial(us, ris, port(40100), 104)
	pcs := []synth.PresentationContext{{ID: 3, AbstractSyntax: mwl, TransferSyntaxes: []string{synth.ImplicitLE}}}
	c.Send(true, synth.AssociateRQ("RIS", "US_CART3", pcs, "1.2.840.113619.6.374", "LOGIQE10_R3"), 0)
	c.Send(false, synth.AssociateAC("RIS", "US_CART3", pcs, "1.2.3.4", "RIS_1"), 0)
	c.Send(true, synth.PData(3, true, true, synth.Command(0x0020, mwl, 1, true)), 0)
	sps := synth.Implicit(synth.Element{Tag: 0x00080060, VR: "CS", Value: []byte("US")})
	c.Send(true, synth.PData(3, false, true, synth.Implicit(
		synth.Element{Tag: 0x00100010, VR: "PN", Value: nil},
		synth.Element{Tag: 0x00400100, VR: "SQ", Value: synth.Item(sps)})), 0)
	c.Send(false, synth.PData(3, true, true, synth.Command(0x8020, mwl, 1, true)), 0)
	c.Send(false, synth.PData(3, false, true, synth.Implicit(
		synth.Element{Tag: 0x00100010, VR: "PN", Value: []byte("ANON^PATIENT")},
		synth.Element{Tag: 0x00400100, VR: "SQ", Value: synth.Item(sps)})), 0)
	c.Send(false, synth.PData(3, true, true, synth.Command(0x8020, mwl, 1, false)), 0)
	done(c)
	store(us, port(40200), "US_CART3", "1.2.840.10008.5.1.4.1.1.6.1", "US", "GE Healthcare", "LOGIQ E10",
		"1.2.840.113619.6.374", "LOGIQE10_R3", 48<<10)

	// The CT's maker keeps a remote service connection.
	r := w.Dial(ct, remote, port(40300), 443)
	r.Send(true, synth.ClientHello("remote.siemens-healthineers.com"), 0)
	r.Send(false, make([]byte, 2048), 0)
	done(r)

	// Pumps and the monitor report observations to the interface engine
	// (IHE PCD-01: HL7 ORU^R01 with IEEE 11073 device codes).
	pcd := func(from synth.Host, p uint16, app, device string) {
		k := w.Dial(from, engine, p, 2575)
		k.Send(true, synth.MLLP(
			"MSH|^~\\&|"+app+"^0123456789ABCDEF^EUI-64|ICU|DOR|HOSP|20260301080000||ORU^R01^ORU_R01|1|P|2.6|||NE|AL||||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
			"PID|||12345^^^HOSP^MR||DOE^JOHN",
			"OBX|1||"+device+"|1.0.0.0|||||||R|||20260301080000||||0123456789ABCDEF^EUI-64"), 0)
		k.Send(true, make([]byte, 16<<10), 8192)
		k.Send(false, synth.MLLP("MSH|^~\\&|DOR|HOSP|"+app+"|ICU|20260301080001||ACK^R01^ACK|1|P|2.6", "MSA|AA|1"), 0)
		done(k)
	}
	pcd(pump1, port(41000), "PUMP_GW", "69985^MDC_DEV_PUMP_INFUS_MDS^MDC")
	pcd(pump2, port(41100), "PUMP_GW", "69985^MDC_DEV_PUMP_INFUS_MDS^MDC")
	pcd(monitor, port(41200), "MON_GW", "69798^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC")
	// The IntelliVue monitor announces its data export service.
	errs = append(errs, w.UDP(monitor, bcastICU, 24005, 24005, []byte{0xe1, 0x00, 0x00, 0x02, 0x00, 0x01}))

	// The management station polls the pumps with the default community.
	for i, p := range []synth.Host{pump1, pump2} {
		id := byte(opt.Start.Hour()*2 + i + 1)
		errs = append(errs, w.UDP(nms, p, port(42000), 161, synth.SNMPGetSysDescr("public", id)))
		errs = append(errs, w.UDP(p, nms, 161, port(42000), synth.SNMPSysDescrResponse("public", id, "Infusion module, embedded Linux 3.10")))
	}
	// An engineer logs in to the monitor over Telnet.
	t := w.Dial(eng, monitor, port(43000), 23)
	t.Send(false, []byte{0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20}, 0)
	t.Send(true, []byte{0xff, 0xfc, 0x18, 0xff, 0xfc, 0x20}, 0)
	done(t)

	// Facilities: a camera answers the recorder's WS-Discovery probe, a
	// printer announces itself, the building controller says I-Am.
	probeMatch := `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/hardware/DS-2CD2143G0-I onvif://www.onvif.org/name/HIKVISION</d:Scopes><d:XAddrs>http://10.60.4.40/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`
	errs = append(errs, w.UDP(camera, eng, 3702, port(44000), []byte(probeMatch)))
	errs = append(errs, w.UDP(printer, mdns, 5353, 5353, synth.MDNSPrinter("HP LaserJet ICU", "HP LaserJet M402dn", "NPI0A0441", [4]byte{10, 60, 4, 41})))
	errs = append(errs, w.UDP(bms, bcastFac, 47808, 47808,
		[]byte{0x81, 0x0b, 0x00, 0x14, 0x01, 0x20, 0xff, 0xff, 0x00, 0xff, 0x10, 0x00,
			0xc4, 0x02, 0x00, 0x03, 0xe9, 0x22, 0x05, 0xc4, 0x91, 0x00, 0x21, 0x05}[:24]))
	// The gateway answers for itself (ARP-less capture: a DNS answer).
	errs = append(errs, w.UDP(gw, eng, 53, port(45000), []byte{0x12, 0x34, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0}))

	if opt.NewInternetDestination != "" {
		k := w.Dial(pump1, unknown, port(46000), 443)
		k.Send(true, synth.ClientHello(opt.NewInternetDestination), 0)
		k.Send(false, make([]byte, 1024), 0)
		done(k)
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
