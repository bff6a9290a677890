package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"bianque/discover"
	"bianque/discover/capture"
	"bianque/discover/decode"
	"bianque/discover/internal/synth"
	"bianque/internal/testutil"
)

func runCapture(t *testing.T, b []byte) *discover.Report {
	t.Helper()
	rep, err := Pcap(context.Background(), bytes.NewReader(b), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func corpusReport(t *testing.T, name string) *discover.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.Corpora(t), "pcap", name))
	if err != nil {
		t.Fatal(err)
	}
	return runCapture(t, b)
}

func device(t *testing.T, r *discover.Report, key string) *discover.Device {
	t.Helper()
	for i := range r.Devices {
		if r.Devices[i].Key() == key {
			return &r.Devices[i]
		}
	}
	t.Fatalf("no device %s in report", key)
	return nil
}

type want struct {
	key        string
	deviceType []string // any of
	kind       string
	vendor     string
	model      string
	os         string
	minConf    float64
}

func check(t *testing.T, r *discover.Report, ws []want) {
	t.Helper()
	for _, w := range ws {
		d := device(t, r, w.key)
		if !slices.Contains(w.deviceType, d.DeviceType) {
			t.Errorf("%s: device type %q (confidence %.2f, evidence %+v), want one of %v", w.key, d.DeviceType, d.Confidence, d.Evidence, w.deviceType)
			continue
		}
		if d.Confidence < w.minConf {
			t.Errorf("%s: confidence %.2f < %.2f", w.key, d.Confidence, w.minConf)
		}
		if len(d.Evidence) == 0 {
			t.Errorf("%s: no evidence for %s", w.key, d.DeviceType)
		}
		if w.kind != "" && d.Kind != w.kind {
			t.Errorf("%s: kind %q, want %q", w.key, d.Kind, w.kind)
		}
		if w.vendor != "" && d.Vendor != w.vendor {
			t.Errorf("%s: vendor %q, want %q", w.key, d.Vendor, w.vendor)
		}
		if w.model != "" && d.Model != w.model {
			t.Errorf("%s: model %q, want %q", w.key, d.Model, w.model)
		}
		if w.os != "" && d.OS != w.os {
			t.Errorf("%s: os %q, want %q", w.key, d.OS, w.os)
		}
	}
}

// readdress rewrites a loopback capture so that the client and the server
// of serverPort get addresses of their own (the corpus DICOM and HL7
// captures were taken on 127.0.0.1).
func readdress(t *testing.T, name string, serverPort uint16, client, server synth.Host) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join(testutil.Corpora(t), "pcap", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := capture.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := capture.NewPcapWriter(&out, decode.LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	var p decode.Packet
	for {
		fr, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b := bytes.Clone(fr.Data)
		if p.Decode(fr.Link, b) == nil && p.Proto == decode.ProtoTCP && len(b) >= 34 {
			from, to := client, server
			if p.SrcPort == serverPort {
				from, to = server, client
			}
			copy(b[0:6], to.MAC[:])
			copy(b[6:12], from.MAC[:])
			s4, d4 := from.IP.As4(), to.IP.As4()
			copy(b[26:30], s4[:])
			copy(b[30:34], d4[:])
		}
		if err := w.WritePacket(fr.Time, b); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// TestClassifyCorpus classifies devices of the real captures of the corpus.
func TestClassifyCorpus(t *testing.T) {
	modality := synth.NewHost("02:00:00:00:01:10", "10.1.0.10")
	pacs := synth.NewHost("02:00:00:00:01:50", "10.1.0.50")
	cases := []struct {
		name string
		rep  func(t *testing.T) *discover.Report
		want []want
	}{
		{"dicom_echo_store", func(t *testing.T) *discover.Report {
			return runCapture(t, readdress(t, "dicom_echo_store.pcap", 11112, modality, pacs))
		}, []want{
			{key: "10.1.0.10", deviceType: []string{"ct"}, kind: "medical", minConf: 0.4},
			{key: "10.1.0.50", deviceType: []string{"pacs"}, minConf: 0.8},
		}},
		{"dicom_mwl_find", func(t *testing.T) *discover.Report {
			return runCapture(t, readdress(t, "dicom_mwl_find.pcap", 11112, modality, pacs))
		}, []want{
			{key: "10.1.0.10", deviceType: []string{"ct", "imaging_modality"}, kind: "medical", minConf: 0.6},
			{key: "10.1.0.50", deviceType: []string{"ris"}, kind: "server", minConf: 0.8},
		}},
		{"dicom_mwl_reject", func(t *testing.T) *discover.Report {
			return runCapture(t, readdress(t, "dicom_mwl_reject.pcap", 11113, modality, pacs))
		}, []want{
			{key: "10.1.0.10", deviceType: []string{"mr"}, kind: "medical", minConf: 0.4},
		}},
		{"hl7_mllp_oru_adt", func(t *testing.T) *discover.Report {
			return runCapture(t, readdress(t, "hl7_mllp_oru_adt.pcap", 2575, modality, pacs))
		}, []want{
			{key: "10.1.0.10", deviceType: []string{"lis", "his"}, kind: "server", minConf: 0.6},
			{key: "10.1.0.50", deviceType: []string{"clinical_system"}, kind: "server", minConf: 0.4},
		}},
		{"ndpi_ipp", func(t *testing.T) *discover.Report { return corpusReport(t, "ndpi_ipp.pcap") }, []want{
			{key: "10.10.10.251", deviceType: []string{"printer"}, kind: "iot", minConf: 0.8},
		}},
		{"arkime_bacnet", func(t *testing.T) *discover.Report { return corpusReport(t, "arkime_bacnet-stack-services.pcap") }, []want{
			{key: "192.168.0.5", deviceType: []string{"building_controller"}, kind: "iot", minConf: 0.8},
			{key: "192.168.0.13", deviceType: []string{"building_controller"}, kind: "iot", minConf: 0.8},
		}},
		{"zeek_modbus", func(t *testing.T) *discover.Report {
			return corpusReport(t, "zeek_modbus_4SICS-GeekLounge-151022-min.pcap")
		}, []want{
			{key: "192.168.88.95", deviceType: []string{"building_controller"}, minConf: 0.7},
		}},
		{"arkime_wireshark-lldp", func(t *testing.T) *discover.Report { return corpusReport(t, "arkime_wireshark-lldp.pcap") }, []want{
			{key: "mac:00:13:21:57:ca:7f", deviceType: []string{"network_switch"}, kind: "network", vendor: "HP ProCurve", model: "2600-8-PWR (J8762A)", minConf: 0.8},
			{key: "mac:00:01:30:f9:ad:a0", deviceType: []string{"network_switch"}, kind: "network", vendor: "Extreme Networks", model: "Summit300-48", minConf: 0.8},
		}},
		{"zeek_cdp", func(t *testing.T) *discover.Report { return corpusReport(t, "zeek_cdp-v1.pcap") }, []want{
			{key: "192.168.10.1", deviceType: []string{"router"}, kind: "network", vendor: "Cisco", model: "1601", os: "Cisco IOS", minConf: 0.8},
		}},
		{"ndpi_iphone", func(t *testing.T) *discover.Report { return corpusReport(t, "ndpi_iphone.pcap") }, []want{
			{key: "192.168.2.17", deviceType: []string{"mobile"}, kind: "workstation", vendor: "Apple", os: "iOS", minConf: 0.6},
			{key: "169.254.225.216", deviceType: []string{"workstation"}, kind: "workstation", vendor: "Apple", model: "iMac11,3", os: "macOS", minConf: 0.6},
			{key: "192.168.2.1", deviceType: []string{"router"}, kind: "network", minConf: 0.6},
		}},
		{"arkime_nbns", func(t *testing.T) *discover.Report { return corpusReport(t, "arkime_nbns.pcap") }, []want{
			{key: "192.168.239.129", deviceType: []string{"workstation"}, kind: "workstation", os: "Windows", minConf: 0.4},
		}},
		{"zeek_smb_smb311", func(t *testing.T) *discover.Report { return corpusReport(t, "zeek_smb_smb311.pcap") }, []want{
			{key: "10.160.67.244", deviceType: []string{"server"}, kind: "server", os: "Windows", minConf: 0.4},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { check(t, c.rep(t), c.want) })
	}
}

// TestClassifyGenerated classifies devices of which no public capture
// exists, from captures generated per the protocols' published
// specifications (DICOM PS3.7/3.8, IHE PCD with IEEE 11073 codes, Philips
// IntelliVue data export ports, ONVIF and IEEE 11073 SDC discovery, DNS-SD
// printing, Modbus device identification).
func TestClassifyGenerated(t *testing.T) {
	var buf bytes.Buffer
	w, err := synth.New(&buf, time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	ct := synth.NewHost("02:00:00:00:02:10", "10.20.0.10")
	us := synth.NewHost("02:00:00:00:02:11", "10.20.0.11")
	mr := synth.NewHost("02:00:00:00:02:12", "10.20.0.12")
	pacs := synth.NewHost("02:00:00:00:02:50", "10.20.0.50")
	ris := synth.NewHost("02:00:00:00:02:51", "10.20.0.51")
	pump := synth.NewHost("02:00:00:00:03:20", "10.30.0.20")
	monitor := synth.NewHost("00:09:5c:00:03:21", "10.30.0.21") // Philips Medical Systems OUI
	monitorHL7 := synth.NewHost("02:00:00:00:03:22", "10.30.0.22")
	engine := synth.NewHost("02:00:00:00:03:05", "10.30.0.5")
	camera := synth.NewHost("02:00:00:00:04:40", "10.40.0.40")
	printer := synth.NewHost("02:00:00:00:04:41", "10.40.0.41")
	plc := synth.NewHost("02:00:00:00:04:42", "10.40.0.42")
	bms := synth.NewHost("02:00:00:00:04:43", "10.40.0.43")
	sdc := synth.NewHost("02:00:00:00:04:44", "10.40.0.44")

	store := func(from synth.Host, port uint16, ae, sop, mod, maker, model string) {
		c := w.Dial(from, pacs, port, 104)
		pcs := []synth.PresentationContext{{ID: 1, AbstractSyntax: sop, TransferSyntaxes: []string{synth.ExplicitLE}}}
		c.Send(true, synth.AssociateRQ("PACS", ae, pcs, "1.2.840.113619.6.374", "GE_SW_1"), 0)
		pcs[0].Result = 0
		c.Send(false, synth.AssociateAC("PACS", ae, pcs, "1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367"), 0)
		c.Send(true, synth.PData(1, true, true, synth.Command(0x0001, sop, 1, true)), 0)
		ds := synth.Explicit(
			synth.Element{Tag: 0x00080016, VR: "UI", Value: []byte(sop)},
			synth.Element{Tag: 0x00080060, VR: "CS", Value: []byte(mod)},
			synth.Element{Tag: 0x00080070, VR: "LO", Value: []byte(maker)},
			synth.Element{Tag: 0x00081090, VR: "LO", Value: []byte(model)},
			synth.Element{Tag: 0x7fe00010, VR: "OB", Value: make([]byte, 20000)},
		)
		c.Send(true, synth.PData(1, false, true, ds), 0)
		c.Send(false, synth.PData(1, true, true, synth.Command(0x8001, sop, 1, false)), 0)
		c.Send(true, synth.ReleaseRQ(), 0)
		c.Send(false, synth.ReleaseRP(), 0)
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	store(ct, 40001, "SCANNER7", "1.2.840.10008.5.1.4.1.1.2", "CT", "SIEMENS", "SOMATOM Force")
	store(us, 40002, "CART3", "1.2.840.10008.5.1.4.1.1.6.1", "US", "GE Healthcare", "LOGIQ E10")

	// MR queries the worklist; the RIS answers with an MR procedure step.
	mwl := "1.2.840.10008.5.1.4.31"
	c := w.Dial(mr, ris, 40003, 104)
	pcs := []synth.PresentationContext{{ID: 3, AbstractSyntax: mwl, TransferSyntaxes: []string{synth.ImplicitLE}}}
	c.Send(true, synth.AssociateRQ("RIS", "ROOM2", pcs, "1.3.46.670589.11.0.0.51.4.56.1", "Philips MR 56.1"), 0)
	c.Send(false, synth.AssociateAC("RIS", "ROOM2", pcs, "1.2.3.4", "RIS_1"), 0)
	c.Send(true, synth.PData(3, true, true, synth.Command(0x0020, mwl, 1, true)), 0)
	sps := synth.Implicit(synth.Element{Tag: 0x00080060, VR: "CS", Value: []byte("MR")})
	c.Send(true, synth.PData(3, false, true, synth.Implicit(
		synth.Element{Tag: 0x00100010, VR: "PN", Value: nil},
		synth.Element{Tag: 0x00400100, VR: "SQ", Value: synth.Item(sps)})), 0)
	c.Send(false, synth.PData(3, true, true, synth.Command(0x8020, mwl, 1, true)), 0)
	c.Send(false, synth.PData(3, false, true, synth.Implicit(
		synth.Element{Tag: 0x00100010, VR: "PN", Value: []byte("ANON^PATIENT")},
		synth.Element{Tag: 0x00400100, VR: "SQ", Value: synth.Item(sps)})), 0)
	c.Send(false, synth.PData(3, true, true, synth.Command(0x8020, mwl, 1, false)), 0)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// An infusion pump and a monitor report through IHE PCD-01 (HL7 ORU^R01
	// with IEEE 11073 MDC device codes) to the interface engine.
	pcd := func(from synth.Host, port uint16, app, device string) {
		c := w.Dial(from, engine, port, 2575)
		c.Send(true, synth.MLLP(
			"MSH|^~\\&|"+app+"^0123456789ABCDEF^EUI-64|ICU|DOR|HOSP|20260301080000||ORU^R01^ORU_R01|1|P|2.6|||NE|AL||||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
			"PID|||12345^^^HOSP^MR||DOE^JOHN",
			"OBR|1|||44616-1^Pulse oximetry panel^LN",
			"OBX|1||"+device+"|1.0.0.0|||||||R|||20260301080000||||0123456789ABCDEF^EUI-64"), 0)
		c.Send(false, synth.MLLP("MSH|^~\\&|DOR|HOSP|"+app+"|ICU|20260301080001||ACK^R01^ACK|1|P|2.6", "MSA|AA|1"), 0)
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	pcd(pump, 40010, "PUMP_GW", "69985^MDC_DEV_PUMP_INFUS_MDS^MDC")
	pcd(monitorHL7, 40011, "MON_GW", "69798^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC")

	// A Philips IntelliVue monitor announces its data export service.
	bcast := synth.NewHost("ff:ff:ff:ff:ff:ff", "10.30.0.255")
	w.UDP(monitor, bcast, 24005, 24005, []byte{0xe1, 0x00, 0x00, 0x02, 0x00, 0x01})

	// An ONVIF camera answers a WS-Discovery probe.
	probeMatch := `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/hardware/DS-2CD2143G0-I onvif://www.onvif.org/name/HIKVISION onvif://www.onvif.org/location/city/hangzhou</d:Scopes><d:XAddrs>http://10.40.0.40/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`
	vms := synth.NewHost("02:00:00:00:04:01", "10.40.0.1")
	w.UDP(camera, vms, 3702, 50000, []byte(probeMatch))
	// An IEEE 11073 SDC device says Hello.
	hello := `<s12:Envelope xmlns:s12="http://www.w3.org/2003/05/soap-envelope" xmlns:wsd="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01" xmlns:mdpws="http://standards.ieee.org/downloads/11073/11073-20702-2016" xmlns:dpws="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01"><s12:Body><wsd:Hello><wsd:Types>dpws:Device mdpws:MedicalDevice</wsd:Types><wsd:Scopes>sdc.mds.pkp:1.2.840.10004.20701.1.1</wsd:Scopes></wsd:Hello></s12:Body></s12:Envelope>`
	mcast := synth.NewHost("01:00:5e:7f:ff:fa", "239.255.255.250")
	w.UDP(sdc, mcast, 3702, 3702, []byte(hello))

	// A printer advertises IPP over DNS-SD.
	w.UDP(printer, synth.NewHost("01:00:5e:00:00:fb", "224.0.0.251"), 5353, 5353, mdnsPrinter())

	// A Modbus controller identifies itself (function 43/14).
	mc := w.Dial(vms, plc, 40020, 502)
	mc.Send(true, []byte{0, 1, 0, 0, 0, 5, 1, 43, 14, 1, 0}, 0)
	resp := []byte{0, 1, 0, 0, 0, 0, 1, 43, 14, 1, 1, 0, 0, 3,
		0, 18}
	resp = append(resp, "Schneider Electric"...)
	resp = append(resp, 1, 12)
	resp = append(resp, "BMX P34 2020"...)
	resp = append(resp, 2, 5)
	resp = append(resp, "v3.10"...)
	binary.BigEndian.PutUint16(resp[4:], uint16(len(resp)-6))
	mc.Send(false, resp, 0)
	mc.Close()

	// A BACnet controller answers Who-Is with I-Am (device 1001, vendor 5).
	w.UDP(bms, synth.NewHost("ff:ff:ff:ff:ff:ff", "10.40.0.255"), 47808, 47808,
		[]byte{0x81, 0x0b, 0x00, 0x14, 0x01, 0x20, 0xff, 0xff, 0x00, 0xff, 0x10, 0x00,
			0xc4, 0x02, 0x00, 0x03, 0xe9, 0x22, 0x05, 0xc4, 0x91, 0x00, 0x21, 0x05}[:24])

	rep := runCapture(t, buf.Bytes())
	check(t, rep, []want{
		{key: "10.20.0.10", deviceType: []string{"ct"}, kind: "medical", vendor: "SIEMENS", model: "SOMATOM Force", minConf: 0.8},
		{key: "10.20.0.11", deviceType: []string{"ultrasound"}, kind: "medical", minConf: 0.8},
		{key: "10.20.0.12", deviceType: []string{"mr"}, kind: "medical", vendor: "Philips Medical Systems", minConf: 0.75},
		{key: "10.20.0.50", deviceType: []string{"pacs"}, minConf: 0.8},
		{key: "10.20.0.51", deviceType: []string{"ris"}, minConf: 0.8},
		{key: "10.30.0.20", deviceType: []string{"infusion_pump"}, kind: "medical", minConf: 0.85},
		{key: "10.30.0.22", deviceType: []string{"patient_monitor"}, kind: "medical", minConf: 0.8},
		{key: "10.30.0.21", deviceType: []string{"patient_monitor"}, kind: "medical", vendor: "Philips", minConf: 0.7},
		{key: "10.30.0.5", deviceType: []string{"clinical_system"}, minConf: 0.4},
		{key: "10.40.0.40", deviceType: []string{"ip_camera"}, kind: "iot", vendor: "HIKVISION", model: "DS-2CD2143G0-I", minConf: 0.85},
		{key: "10.40.0.41", deviceType: []string{"printer"}, kind: "iot", model: "HP LaserJet M402dn", minConf: 0.85},
		{key: "10.40.0.42", deviceType: []string{"building_controller"}, vendor: "Schneider Electric", model: "BMX P34 2020", minConf: 0.7},
		{key: "10.40.0.43", deviceType: []string{"building_controller"}, vendor: "Johnson Controls", minConf: 0.8},
		{key: "10.40.0.44", deviceType: []string{"medical_device"}, kind: "medical", minConf: 0.7},
	})
	// Life-supporting devices carry the clinical profile.
	for _, k := range []string{"10.30.0.20", "10.30.0.21"} {
		d := device(t, rep, k)
		if d.Medical == nil || !d.Medical.LifeSupporting || d.Medical.FDAClass != 2 || !d.MedicalInferred {
			t.Errorf("%s: medical profile %+v", k, d.Medical)
		}
	}
}

// mdnsPrinter is an mDNS announcement of an IPP printer: PTR, SRV, TXT, A.
func mdnsPrinter() []byte {
	name := func(labels ...string) []byte {
		var b []byte
		for _, l := range labels {
			b = append(b, byte(len(l)))
			b = append(b, l...)
		}
		return append(b, 0)
	}
	rr := func(owner []byte, typ uint16, rdata []byte) []byte {
		b := append([]byte{}, owner...)
		b = binary.BigEndian.AppendUint16(b, typ)
		b = binary.BigEndian.AppendUint16(b, 0x8001)
		b = binary.BigEndian.AppendUint32(b, 4500)
		b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
		return append(b, rdata...)
	}
	inst := name("HP LaserJet Ward 3", "_ipp", "_tcp", "local")
	srv := []byte{0, 0, 0, 0, 0x02, 0x77}
	srv = append(srv, name("NPI4F2A1C", "local")...)
	txt := []byte{}
	for _, s := range []string{"txtvers=1", "ty=HP LaserJet M402dn", "pdl=application/pdf"} {
		txt = append(txt, byte(len(s)))
		txt = append(txt, s...)
	}
	msg := []byte{0, 0, 0x84, 0, 0, 0, 0, 4, 0, 0, 0, 0}
	msg = append(msg, rr(name("_ipp", "_tcp", "local"), 12, inst)...)
	msg = append(msg, rr(inst, 33, srv)...)
	msg = append(msg, rr(inst, 16, txt)...)
	msg = append(msg, rr(name("NPI4F2A1C", "local"), 1, []byte{10, 40, 0, 41})...)
	return msg
}
