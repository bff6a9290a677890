package syslog

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"bianque/internal/testutil"
)

// vector is one record of the syslog protocol vectors in the shared corpus
// (test tables of a widely used Go syslog parser, dumped to JSON).
type vector struct {
	ID       string          `json:"id"`
	Set      string          `json:"set"`
	Input    string          `json:"input"`
	Valid    bool            `json:"valid"`
	Error    string          `json:"error"`
	Expected *vectorMessage  `json:"expected"`
	Partial  *vectorMessage  `json:"partial"`
	Options  []string        `json:"machine_options"`
	Raw      json.RawMessage `json:"-"`
}

type vectorMessage struct {
	Facility       *int                         `json:"Facility"`
	Severity       *int                         `json:"Severity"`
	Priority       *int                         `json:"Priority"`
	Version        *int                         `json:"Version"`
	MessageCounter *uint64                      `json:"MessageCounter"`
	Sequence       *uint64                      `json:"Sequence"`
	Timestamp      *string                      `json:"Timestamp"`
	Hostname       *string                      `json:"Hostname"`
	Appname        *string                      `json:"Appname"`
	ProcID         *string                      `json:"ProcID"`
	MsgID          *string                      `json:"MsgID"`
	StructuredData map[string]map[string]string `json:"StructuredData"`
	Message        *string                      `json:"Message"`
}

func readVectors(t *testing.T, name string) []vector {
	t.Helper()
	path := filepath.Join(testutil.Corpora(t), "logs", "syslog", "go-syslog", name)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		v.Raw = append(json.RawMessage(nil), sc.Bytes()...)
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no vectors", name)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// toVector renders a Message the way the vectors spell it.
func toVector(m *Message) *vectorMessage {
	if m == nil {
		return nil
	}
	v := &vectorMessage{}
	if m.HasPriority {
		v.Priority = ptr(int(m.Priority))
		v.Facility = ptr(int(m.Facility()))
		v.Severity = ptr(int(m.Severity()))
	}
	if m.Format == FormatRFC5424 {
		v.Version = ptr(int(m.Version))
	}
	if m.HasMessageCounter {
		v.MessageCounter = ptr(m.MessageCounter)
	}
	if m.HasSequence {
		v.Sequence = ptr(m.Sequence)
	}
	if m.HasTimestamp {
		v.Timestamp = ptr(m.Timestamp.Format(time.RFC3339Nano))
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return ptr(s)
	}
	v.Hostname, v.Appname, v.ProcID, v.MsgID = str(m.Hostname), str(m.Appname), str(m.ProcID), str(m.MsgID)
	if m.StructuredData != nil {
		v.StructuredData = map[string]map[string]string{}
		for _, el := range m.StructuredData {
			params := map[string]string{}
			for _, p := range el.Params {
				params[p.Name] = p.Value
			}
			v.StructuredData[el.ID] = params
		}
	}
	if m.HasMessage {
		v.Message = ptr(m.Message)
	}
	return v
}

func sameMessage(t *testing.T, id string, got, want *vectorMessage) bool {
	t.Helper()
	if want == nil {
		want = &vectorMessage{}
	}
	if got == nil {
		got = &vectorMessage{}
	}
	// The dump writes an absent version as 0 for RFC 3164.
	if want.Version == nil || *want.Version == 0 {
		got.Version, want.Version = nil, nil
	}
	if reflect.DeepEqual(got, want) {
		return true
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	t.Errorf("%s:\n got  %s\n want %s", id, g, w)
	return false
}

// TestRFC5424Vectors runs every RFC 5424 vector: valid ones must parse to the
// expected fields, invalid ones must fail with the expected error text and
// column and yield the expected best-effort partial message.
func TestRFC5424Vectors(t *testing.T) {
	vs := readVectors(t, "rfc5424.jsonl")
	var valid, invalid, lossy int
	for _, v := range vs {
		if v.Set == "nonCompliantMsgTestCases" {
			// These vectors test UTF-8 validation of a message that starts
			// with a BOM. The dump replaced each invalid byte of the input by
			// U+FFFD, so the input is valid UTF-8 now; the parser must accept
			// it without the compliance option (as upstream checks too) and
			// the byte-level cases are covered by TestCompliantMessage.
			m, err := ParseRFC5424([]byte(v.Input), RFC5424Options{})
			if err != nil || m == nil || !m.HasMessage {
				t.Errorf("%s: lossy non-compliant vector must parse without the option: %v", v.ID, err)
			}
			lossy++
			continue
		}
		m, err := ParseRFC5424([]byte(v.Input), RFC5424Options{})
		if v.Valid {
			valid++
			if err != nil {
				t.Errorf("%s: %q: unexpected error %v", v.ID, v.Input, err)
				continue
			}
			sameMessage(t, v.ID, toVector(m), v.Expected)
			continue
		}
		invalid++
		if err == nil {
			t.Errorf("%s: %q: accepted, want error %q", v.ID, v.Input, v.Error)
			continue
		}
		if err.Error() != v.Error {
			t.Errorf("%s: %q: error %q, want %q", v.ID, v.Input, err, v.Error)
		}
		sameMessage(t, v.ID+" (partial)", toVector(m), v.Partial)
	}
	t.Logf("rfc5424 vectors: %d valid, %d invalid, %d lossy non-compliant", valid, invalid, lossy)
}

// TestCompliantMessage checks the UTF-8 validation of BOM messages on the
// byte sequences the non-compliant vectors were made from (invalid lead and
// continuation octets, overlong forms, surrogates).
func TestCompliantMessage(t *testing.T) {
	cases := []struct {
		tail    string
		col     int
		partial string
	}{
		{"\xc1", 20, ""},
		{"\xc3\x28", 21, "\xc3"},
		{"\xa0\xa1", 20, ""},
		{"\xe2\x28\xa1", 21, "\xe2"},
		{"\xe2\x82\x28", 22, "\xe2\x82"},
		{"\xf0\x28\x8c\xbc", 21, "\xf0"},
		{"\xf0\x90\x28\xbc", 22, "\xf0\x90"},
		{"\xfe\xfe\xff\xff", 20, ""},
		{"\xfc\x80\x80\x80\x80\xaf", 20, ""},
		{"\xf0\x80\x80\xaf", 21, "\xf0"},
		{"\xe0\x80\xaf", 21, "\xe0"},
		{"\xc0\xaf", 20, ""},
		{"\xed\xa0\x80", 21, "\xed"},
		{"\xed\xa0\x80\xed\xb0\x80", 21, "\xed"},
		{"ch\xe4\xe4s", 23, "ch\xe4"},
		{"ok €", -1, "ok €"},
	}
	for _, c := range cases {
		in := "<1>1 - - - - - - " + bom + c.tail
		m, err := ParseRFC5424([]byte(in), RFC5424Options{CompliantMsg: true})
		if c.col < 0 {
			if err != nil || m.Message != bom+c.partial {
				t.Errorf("%q: %v %q", in, err, m.Message)
			}
			continue
		}
		want := (&Error{Msg: ErrMsgNotCompliant, Col: c.col}).Error()
		if err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %s", in, err, want)
			continue
		}
		if m == nil || m.Message != bom+c.partial {
			t.Errorf("%q: partial %+v", in, m)
		}
		if m2, err := ParseRFC5424([]byte(in), RFC5424Options{}); err != nil || m2.Message != bom+c.tail {
			t.Errorf("%q: without the option: %v", in, err)
		}
	}
}

// TestRFC3164Vectors runs the RFC 3164 vectors (year 0 where the device sent
// none, as the vectors expect).
func TestRFC3164Vectors(t *testing.T) {
	vs := readVectors(t, "rfc3164.jsonl")
	for _, v := range vs {
		m, err := ParseRFC3164([]byte(v.Input), RFC3164Options{})
		if !v.Valid {
			if optionDependent(v) {
				// Valid without the option that disables Cisco sequence numbers;
				// this reader recognises them by their shape.
				if err != nil || !m.HasSequence {
					t.Errorf("%s: %q: want the sequence number read: %v", v.ID, v.Input, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s: %q: accepted, want error %q", v.ID, v.Input, v.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %q: %v", v.ID, v.Input, err)
			continue
		}
		sameMessage(t, v.ID, toVector(m), v.Expected)
	}
}

// optionDependent reports vectors whose verdict depends on a parser option
// that turns a Cisco IOS component off.
func optionDependent(v vector) bool {
	return len(v.Options) > 0 && strings.Contains(v.Error, "sequence number")
}

type streamVector struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	Input       string `json:"input"`
	MaxLength   int    `json:"max_message_length"`
	Substitute  bool   `json:"substitute_trailer"`
	Results     []struct {
		Message *vectorMessage `json:"message"`
		Error   string         `json:"error"`
	} `json:"results"`
	BestEffort []struct {
		Message *vectorMessage `json:"message"`
		Error   string         `json:"error"`
	} `json:"best_effort_results"`
}

func readStreamVectors(t *testing.T, name string) []streamVector {
	t.Helper()
	path := filepath.Join(testutil.Corpora(t), "logs", "syslog", "go-syslog", name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []streamVector
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var v streamVector
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

type streamResult struct {
	msg *Message
	err string
}

// runStream frames input and parses every frame the way a receiver does:
// strictly it drops messages with errors (and, for octet counting, stops at
// the first one); with bestEffort it keeps the partial message and goes on
// after message errors. Framing errors always stop it.
func runStream(input string, bestEffort, octet bool, trailer byte, max int) []streamResult {
	r := bufio.NewReader(strings.NewReader(input))
	var out []streamResult
	for {
		var frame []byte
		var err error
		if octet {
			frame, err = ReadOctetCounted(r, max)
		} else {
			frame, err = ReadNonTransparent(r, trailer, max)
		}
		if err == io.EOF {
			return out
		}
		var inc *IncompleteFrameError
		switch {
		case errors.As(err, &inc) || err == ErrNoTrailer:
			if !bestEffort {
				return append(out, streamResult{err: err.Error()})
			}
		case err != nil:
			return append(out, streamResult{err: err.Error()})
		}
		m, perr := ParseRFC5424(frame, RFC5424Options{})
		if perr != nil {
			if !bestEffort {
				out = append(out, streamResult{err: perr.Error()})
				if octet {
					return out
				}
				continue
			}
			out = append(out, streamResult{msg: m, err: perr.Error()})
			continue
		}
		out = append(out, streamResult{msg: m})
	}
}

// TestFramingVectors runs the RFC 6587 stream vectors (octet counting and
// non-transparent framing with LF and NUL trailers), strict and best effort.
func TestFramingVectors(t *testing.T) {
	check := func(id string, got []streamResult, want []struct {
		Message *vectorMessage `json:"message"`
		Error   string         `json:"error"`
	}) {
		if len(got) != len(want) {
			t.Errorf("%s: %d results, want %d: %+v", id, len(got), len(want), got)
			return
		}
		for i := range want {
			if got[i].err != want[i].Error {
				t.Errorf("%s[%d]: error %q, want %q", id, i, got[i].err, want[i].Error)
			}
			if want[i].Message != nil || got[i].msg != nil {
				sameMessage(t, id, toVector(got[i].msg), want[i].Message)
			}
		}
	}
	n := 0
	for _, v := range readStreamVectors(t, "octetcounting.jsonl") {
		check(v.ID, runStream(v.Input, false, true, 0, v.MaxLength), v.Results)
		check(v.ID+" best-effort", runStream(v.Input, true, true, 0, v.MaxLength), v.BestEffort)
		n++
	}
	for _, v := range readStreamVectors(t, "nontransparent.jsonl") {
		trailers := []byte{'\n'}
		if v.Substitute {
			trailers = []byte{'\n', 0}
		}
		for _, tr := range trailers {
			in := strings.ReplaceAll(v.Input, "%[1]s", string(tr))
			check(v.ID, runStream(in, false, false, tr, 0), v.Results)
			check(v.ID+" best-effort", runStream(in, true, false, tr, 0), v.BestEffort)
		}
		n++
	}
	t.Logf("%d stream vectors", n)
}
