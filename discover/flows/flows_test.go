package flows

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"bianque/discover"
	"bianque/discover/internal/synth"
)

var exporter = netip.MustParseAddr("192.0.2.1")

func collect(t *testing.T, d *Decoder, msgs ...[]byte) []discover.FlowRecord {
	t.Helper()
	var out []discover.FlowRecord
	for _, m := range msgs {
		if err := d.Decode(exporter, m, func(r discover.FlowRecord) { out = append(out, r) }); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func v5Message(base time.Time) []byte {
	b := make([]byte, 24+48)
	binary.BigEndian.PutUint16(b[0:], 5)
	binary.BigEndian.PutUint16(b[2:], 1)
	binary.BigEndian.PutUint32(b[4:], 100000) // uptime ms
	binary.BigEndian.PutUint32(b[8:], uint32(base.Unix()))
	r := b[24:]
	copy(r[0:4], []byte{10, 1, 0, 10})
	copy(r[4:8], []byte{10, 1, 0, 50})
	binary.BigEndian.PutUint32(r[16:], 12)
	binary.BigEndian.PutUint32(r[20:], 3400)
	binary.BigEndian.PutUint32(r[24:], 90000) // first: 10 s before export
	binary.BigEndian.PutUint32(r[28:], 99000)
	binary.BigEndian.PutUint16(r[32:], 40001)
	binary.BigEndian.PutUint16(r[34:], 104)
	r[37] = 0x1b
	r[38] = 6
	return b
}

func TestNetFlowV5(t *testing.T) {
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	recs := collect(t, NewDecoder(), v5Message(base))
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Src.String() != "10.1.0.10" || r.Dst.String() != "10.1.0.50" || r.DstPort != 104 || r.Proto != 6 ||
		r.Packets != 12 || r.Bytes != 3400 || !r.Start.Equal(base.Add(-10*time.Second)) || !r.End.Equal(base.Add(-time.Second)) {
		t.Fatalf("record %+v", r)
	}
}

// ipfixMessage builds an IPFIX message with one template (IPv4 5-tuple,
// counters, millisecond times, MACs, VLAN, and RFC 5103 reverse counters)
// and one data record; v9 is the same layout with NetFlow v9 framing.
func templateFields(ipfix bool) []byte {
	f := []struct {
		ie, l uint16
		ent   uint32
	}{{8, 4, 0}, {12, 4, 0}, {7, 2, 0}, {11, 2, 0}, {4, 1, 0}, {2, 8, 0}, {1, 8, 0}, {56, 6, 0}, {80, 6, 0}, {58, 2, 0},
		{152, 8, 0}, {153, 8, 0}}
	if !ipfix {
		f[10], f[11] = struct {
			ie, l uint16
			ent   uint32
		}{22, 4, 0}, struct {
			ie, l uint16
			ent   uint32
		}{21, 4, 0}
	}
	var b []byte
	for _, x := range f {
		b = binary.BigEndian.AppendUint16(b, x.ie)
		b = binary.BigEndian.AppendUint16(b, x.l)
	}
	if ipfix { // reverse packet and octet counts
		b = binary.BigEndian.AppendUint16(b, 0x8000|2)
		b = binary.BigEndian.AppendUint16(b, 8)
		b = binary.BigEndian.AppendUint32(b, reverseEnterprise)
		b = binary.BigEndian.AppendUint16(b, 0x8000|1)
		b = binary.BigEndian.AppendUint16(b, 8)
		b = binary.BigEndian.AppendUint32(b, reverseEnterprise)
	}
	n := 12
	if ipfix {
		n = 14
	}
	return append(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, 300), uint16(n)), b...)
}

func dataRecord(ipfix bool, start time.Time) []byte {
	var b []byte
	b = append(b, 10, 2, 0, 20, 10, 2, 0, 5)
	b = binary.BigEndian.AppendUint16(b, 40010)
	b = binary.BigEndian.AppendUint16(b, 2575)
	b = append(b, 6)
	b = binary.BigEndian.AppendUint64(b, 7)
	b = binary.BigEndian.AppendUint64(b, 900)
	b = append(b, 0x00, 0x1b, 0x21, 0x01, 0x02, 0x03)
	b = append(b, 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c)
	b = binary.BigEndian.AppendUint16(b, 30)
	if ipfix {
		b = binary.BigEndian.AppendUint64(b, uint64(start.UnixMilli()))
		b = binary.BigEndian.AppendUint64(b, uint64(start.Add(2*time.Second).UnixMilli()))
		b = binary.BigEndian.AppendUint64(b, 5)
		b = binary.BigEndian.AppendUint64(b, 420)
	} else {
		b = binary.BigEndian.AppendUint32(b, 50000)
		b = binary.BigEndian.AppendUint32(b, 52000)
	}
	return b
}

func set(id uint16, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	return append(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, id), uint16(4+len(body))), body...)
}

func ipfixMessage(start time.Time, withTemplate bool) []byte {
	var sets []byte
	if withTemplate {
		sets = append(sets, set(2, templateFields(true))...)
	}
	sets = append(sets, set(300, dataRecord(true, start))...)
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:], 10)
	binary.BigEndian.PutUint16(h[2:], uint16(16+len(sets)))
	binary.BigEndian.PutUint32(h[4:], uint32(start.Unix()))
	binary.BigEndian.PutUint32(h[12:], 7)
	return append(h, sets...)
}

func v9Message(base time.Time) []byte {
	sets := append(set(0, templateFields(false)), set(300, dataRecord(false, base))...)
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:], 9)
	binary.BigEndian.PutUint16(h[2:], 2)
	binary.BigEndian.PutUint32(h[4:], 60000) // uptime
	binary.BigEndian.PutUint32(h[8:], uint32(base.Unix()))
	binary.BigEndian.PutUint32(h[16:], 1)
	return append(h, sets...)
}

func checkHL7Record(t *testing.T, r discover.FlowRecord) {
	t.Helper()
	if r.Src.String() != "10.2.0.20" || r.Dst.String() != "10.2.0.5" || r.SrcPort != 40010 || r.DstPort != 2575 ||
		r.Proto != 6 || r.Packets != 7 || r.Bytes != 900 || r.SrcMAC != "00:1b:21:01:02:03" ||
		r.DstMAC != "00:1b:21:0a:0b:0c" || r.VLAN != 30 {
		t.Fatalf("record %+v", r)
	}
}

func TestIPFIX(t *testing.T) {
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	d := NewDecoder()
	// Data before its template is counted, not guessed.
	if recs := collect(t, d, ipfixMessage(start, false)); len(recs) != 0 || d.Stats["missing-template"] != 1 {
		t.Fatalf("records without template: %d, stats %v", len(recs), d.Stats)
	}
	recs := collect(t, d, ipfixMessage(start, true), ipfixMessage(start, false))
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	checkHL7Record(t, recs[0])
	if recs[0].RevPackets != 5 || recs[0].RevBytes != 420 || !recs[0].Start.Equal(start) || !recs[0].End.Equal(start.Add(2*time.Second)) {
		t.Fatalf("biflow/time %+v", recs[0])
	}
}

func TestNetFlowV9(t *testing.T) {
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	recs := collect(t, NewDecoder(), v9Message(base))
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	checkHL7Record(t, recs[0])
	if !recs[0].Start.Equal(base.Add(-10*time.Second)) || !recs[0].End.Equal(base.Add(-8*time.Second)) {
		t.Fatalf("times %v %v", recs[0].Start, recs[0].End)
	}
}

func TestReadAllFormats(t *testing.T) {
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	// A capture of export datagrams (v5, v9, IPFIX) sent to a collector.
	var capBuf bytes.Buffer
	w, _ := synth.New(&capBuf, base)
	exp := synth.NewHost("02:00:00:00:00:01", "192.0.2.1")
	col := synth.NewHost("02:00:00:00:00:02", "192.0.2.2")
	w.UDP(exp, col, 50000, 2055, v5Message(base))
	w.UDP(exp, col, 50000, 2055, v9Message(base))
	w.UDP(exp, col, 50001, 4739, ipfixMessage(base, true))
	w.UDP(exp, col, 50001, 53, []byte("not a flow"))
	ipfixFile := append(ipfixMessage(base, true), ipfixMessage(base, false)...)
	zeekTSV := "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n" +
		"1772352000.123456\tCx1\t10.1.0.10\t40001\t10.1.0.50\t104\ttcp\t-\t2.5\t100\t200\tSF\t-\t-\t0\tShADadFf\t10\t1200\t8\t900\t-\n" +
		"1772352001.000000\tCx2\t10.1.0.10\t51000\t10.1.0.1\t53\tudp\tdns\t0.01\t40\t80\tSF\t-\t-\t0\tDd\t1\t68\t1\t108\t-\n" +
		"garbage line\n"
	zeekJSON := `{"ts":1772352000.5,"uid":"C1","id.orig_h":"10.1.0.10","id.orig_p":40001,"id.resp_h":"10.1.0.50","id.resp_p":104,"proto":"tcp","service":"ssl","duration":1.5,"orig_pkts":3,"orig_ip_bytes":300,"resp_pkts":2,"resp_ip_bytes":200}` + "\n"
	for _, c := range []struct {
		name   string
		data   []byte
		format Format
		n      int
		errs   int
	}{
		{"capture", capBuf.Bytes(), FormatCapture, 3, 1},
		{"ipfix file", ipfixFile, FormatIPFIXFile, 2, 0},
		{"v5 stream", append(v5Message(base), v5Message(base)...), FormatNetFlowV5, 2, 0},
		{"zeek tsv", []byte(zeekTSV), FormatZeekTSV, 2, 1},
		{"zeek json", []byte(zeekJSON), FormatZeekJSON, 1, 0},
	} {
		var recs []discover.FlowRecord
		st, err := ReadAll(bytes.NewReader(c.data), func(r discover.FlowRecord) { recs = append(recs, r) })
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		nerr := 0
		for _, v := range st.Errors {
			nerr += int(v)
		}
		if st.Format != c.format || len(recs) != c.n || int(st.Records) != c.n || nerr != c.errs {
			t.Errorf("%s: format %s, %d records, errors %v", c.name, st.Format, len(recs), st.Errors)
		}
	}
	if _, err := ReadAll(strings.NewReader("hello"), func(discover.FlowRecord) {}); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown format: %v", err)
	}
}

func FuzzDecoder(f *testing.F) {
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	f.Add(v5Message(base))
	f.Add(v9Message(base))
	f.Add(ipfixMessage(base, true))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder()
		_ = d.Decode(exporter, ipfixMessage(base, true), func(discover.FlowRecord) {})
		_ = d.Decode(exporter, b, func(discover.FlowRecord) {})
		_ = d.Decode(exporter, b, func(discover.FlowRecord) {})
	})
}

func FuzzReadAll(f *testing.F) {
	f.Add([]byte("#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n1.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\n"))
	f.Add([]byte(`{"ts":1,"id.orig_h":"10.0.0.1","id.resp_h":"10.0.0.2","proto":"udp"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ReadAll(bytes.NewReader(b), func(discover.FlowRecord) {})
	})
}
