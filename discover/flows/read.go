package flows

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"bianque/discover"
	"bianque/discover/capture"
	"bianque/discover/decode"
)

// Format of a flow records file.
type Format string

// Formats ReadAll understands.
const (
	FormatCapture   Format = "capture"    // pcap/pcapng of NetFlow/IPFIX export datagrams
	FormatIPFIXFile Format = "ipfix-file" // RFC 5655: IPFIX messages back to back
	FormatNetFlowV5 Format = "netflow-v5" // NetFlow v5 datagrams back to back
	FormatZeekTSV   Format = "zeek-tsv"
	FormatZeekJSON  Format = "zeek-json"
)

// Stats of one ReadAll.
type Stats struct {
	Format  Format
	Records uint64
	// Errors counts rejected input by reason; nothing is skipped silently.
	Errors map[string]uint64
}

// ReadAll detects the format of r and calls emit for each flow record.
func ReadAll(r io.Reader, emit func(discover.FlowRecord)) (Stats, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	head, _ := br.Peek(16)
	st := Stats{Errors: map[string]uint64{}}
	count := func(rec discover.FlowRecord) {
		st.Records++
		emit(rec)
	}
	switch {
	case len(head) >= 4 && (binary.LittleEndian.Uint32(head) == 0x0a0d0d0a || isPcapMagic(head)):
		st.Format = FormatCapture
		return st, readCapture(br, count, &st)
	case len(head) >= 2 && binary.BigEndian.Uint16(head) == 10:
		st.Format = FormatIPFIXFile
		return st, readMessages(br, true, count, &st)
	case len(head) >= 2 && binary.BigEndian.Uint16(head) == 5:
		st.Format = FormatNetFlowV5
		return st, readMessages(br, false, count, &st)
	case bytes.HasPrefix(head, []byte("#separator")) || bytes.HasPrefix(head, []byte("#fields")):
		st.Format = FormatZeekTSV
		return st, readZeekTSV(br, count, &st)
	case len(bytes.TrimSpace(head)) > 0 && bytes.TrimSpace(head)[0] == '{':
		st.Format = FormatZeekJSON
		return st, readZeekJSON(br, count, &st)
	}
	return st, fmt.Errorf("flow records: unrecognised format (want a capture of NetFlow/IPFIX exports, an IPFIX file, or a Zeek conn.log): %w", ErrFormat)
}

func isPcapMagic(b []byte) bool {
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return true
	}
	return false
}

// readCapture decodes every UDP datagram of a capture as an export message.
func readCapture(r io.Reader, emit func(discover.FlowRecord), st *Stats) error {
	src, err := capture.Open(r)
	if err != nil {
		return err
	}
	dec := NewDecoder()
	var p decode.Packet
	defer mergeStats(st, dec)
	for {
		fr, err := src.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := p.Decode(fr.Link, fr.Data); err != nil || p.Proto != decode.ProtoUDP || p.Fragment {
			st.Errors["not-udp"]++
			continue
		}
		if len(p.Payload) < 2 {
			st.Errors["empty"]++
			continue
		}
		switch binary.BigEndian.Uint16(p.Payload) {
		case 5, 9, 10:
		default:
			st.Errors["not-flow-export"]++
			continue
		}
		if err := dec.Decode(p.Src, p.Payload, emit); err != nil {
			st.Errors["malformed"]++
		}
	}
}

func mergeStats(st *Stats, dec *Decoder) {
	for k, v := range dec.Stats {
		switch k {
		case "v5", "v9", "ipfix":
		default:
			st.Errors[k] += v
		}
	}
}

// readMessages reads self-delimiting messages: IPFIX (length in the
// header) or NetFlow v5 (24 + 48 × count bytes).
func readMessages(r *bufio.Reader, ipfix bool, emit func(discover.FlowRecord), st *Stats) error {
	dec := NewDecoder()
	defer mergeStats(st, dec)
	var none netip.Addr
	buf := make([]byte, 65536)
	for {
		h, err := r.Peek(4)
		if len(h) == 0 && (err == io.EOF || err == nil) {
			return nil
		}
		if err != nil && err != io.EOF {
			return err
		}
		if len(h) < 4 {
			return fmt.Errorf("flow file: %d trailing bytes: %w", len(h), ErrFormat)
		}
		var n int
		if ipfix {
			n = int(binary.BigEndian.Uint16(h[2:4]))
		} else {
			n = 24 + 48*int(binary.BigEndian.Uint16(h[2:4]))
		}
		if n < 4 || n > len(buf) {
			return fmt.Errorf("flow file: message length %d: %w", n, ErrFormat)
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return fmt.Errorf("flow file: truncated message: %w", err)
		}
		if err := dec.Decode(none, buf[:n], emit); err != nil {
			return err
		}
	}
}

// Zeek service names to application names.
var zeekServices = map[string]string{"ssl": "tls", "dtls": "tls", "krb": "kerberos", "krb_tcp": "kerberos",
	"smb": "smb", "gssapi": "smb", "ntlm": "smb", "dhcp": "dhcp", "dns": "dns", "http": "http", "ftp": "ftp",
	"ftp-data": "ftp", "ssh": "ssh", "snmp": "snmp", "syslog": "syslog", "modbus": "modbus", "bacnet": "bacnet",
	"ntp": "ntp", "rdp": "rdp", "vnc": "vnc", "mqtt": "mqtt", "ldap": "ldap", "sip": "sip", "dce_rpc": "dcerpc",
	"mysql": "mysql", "smtp": "smtp", "pop3": "pop3", "imap": "imap", "irc": "irc", "rfb": "vnc", "telnet": "telnet"}

func zeekApp(service string) string {
	for _, s := range strings.Split(service, ",") {
		s = strings.TrimSpace(strings.ToLower(s))
		if a, ok := zeekServices[s]; ok {
			return a
		}
		if s != "" && s != "-" && !strings.HasPrefix(s, "-") {
			return s
		}
	}
	return ""
}

func zeekTime(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// zeekConn turns one conn.log record (field name → value) into a flow.
func zeekConn(get func(string) string) (discover.FlowRecord, error) {
	var rec discover.FlowRecord
	ts, ok := zeekTime(get("ts"))
	if !ok {
		return rec, fmt.Errorf("bad ts %q", get("ts"))
	}
	src, err1 := netip.ParseAddr(get("id.orig_h"))
	dst, err2 := netip.ParseAddr(get("id.resp_h"))
	if err1 != nil || err2 != nil {
		return rec, fmt.Errorf("bad addresses %q %q", get("id.orig_h"), get("id.resp_h"))
	}
	sp, _ := strconv.ParseUint(get("id.orig_p"), 10, 16)
	dp, _ := strconv.ParseUint(get("id.resp_p"), 10, 16)
	rec.Src, rec.Dst, rec.SrcPort, rec.DstPort = src, dst, uint16(sp), uint16(dp)
	switch get("proto") {
	case "tcp":
		rec.Proto = decode.ProtoTCP
	case "udp":
		rec.Proto = decode.ProtoUDP
	case "icmp":
		rec.Proto = decode.ProtoICMP
		if src.Is6() {
			rec.Proto = decode.ProtoICMPv6
		}
	default:
		return rec, fmt.Errorf("bad proto %q", get("proto"))
	}
	rec.Start = ts
	rec.End = ts
	if d, err := strconv.ParseFloat(get("duration"), 64); err == nil && d >= 0 {
		rec.End = ts.Add(time.Duration(d * float64(time.Second)))
	}
	num := func(k string) uint64 {
		n, _ := strconv.ParseUint(get(k), 10, 64)
		return n
	}
	rec.Packets, rec.RevPackets = num("orig_pkts"), num("resp_pkts")
	rec.Bytes, rec.RevBytes = num("orig_ip_bytes"), num("resp_ip_bytes")
	rec.SrcIsClient = true
	rec.App = zeekApp(get("service"))
	if m := get("orig_l2_addr"); m != "-" {
		rec.SrcMAC = m
	}
	if m := get("resp_l2_addr"); m != "-" {
		rec.DstMAC = m
	}
	if v, err := strconv.Atoi(get("vlan")); err == nil {
		rec.VLAN = v
	}
	return rec, nil
}

func readZeekTSV(r *bufio.Reader, emit func(discover.FlowRecord), st *Stats) error {
	sep := "\t"
	var fields map[string]int
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if strings.HasPrefix(t, "#") {
			switch {
			case strings.HasPrefix(t, "#separator "):
				s := strings.TrimPrefix(t, "#separator ")
				if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
					sep = u
				}
			case strings.HasPrefix(t, "#fields"):
				fields = map[string]int{}
				for i, f := range strings.Split(t, sep)[1:] {
					fields[f] = i
				}
			}
			continue
		}
		if fields == nil {
			return fmt.Errorf("zeek conn.log line %d: record before #fields: %w", line, ErrFormat)
		}
		cols := strings.Split(t, sep)
		get := func(k string) string {
			if i, ok := fields[k]; ok && i < len(cols) {
				return cols[i]
			}
			return "-"
		}
		rec, err := zeekConn(get)
		if err != nil {
			st.Errors["bad-record"]++
			continue
		}
		emit(rec)
	}
	return sc.Err()
}

func readZeekJSON(r *bufio.Reader, emit func(discover.FlowRecord), st *Stats) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("zeek conn.log JSON: %w", err)
		}
		get := func(k string) string {
			v, ok := m[k]
			if !ok || v == nil {
				return "-"
			}
			switch x := v.(type) {
			case string:
				return x
			case json.Number:
				return x.String()
			}
			return fmt.Sprint(v)
		}
		if _, err := strconv.ParseFloat(get("ts"), 64); err != nil {
			// Zeek can log ts as ISO 8601.
			if t, err := time.Parse(time.RFC3339Nano, get("ts")); err == nil {
				m["ts"] = json.Number(strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 6, 64))
			}
		}
		rec, err := zeekConn(get)
		if err != nil {
			st.Errors["bad-record"]++
			continue
		}
		emit(rec)
	}
}
