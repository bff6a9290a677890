package ingest

import (
	"time"

	"bianque"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func frames(t *testing.T, in string, mode Framing, max int, oneByte bool) (msgs []string, errs []string) {
	t.Helper()
	var r io.Reader = strings.NewReader(in)
	if oneByte {
		r = iotest.OneByteReader(r) // partial reads
	}
	f := NewFramer(r, mode, max)
	for i := 0; i < 1000; i++ {
		m, err := f.Next()
		if err != nil {
			var fe *FrameError
			if errors.As(err, &fe) {
				errs = append(errs, fe.Reason)
				continue
			}
			if err != io.EOF {
				errs = append(errs, err.Error())
			}
			return
		}
		msgs = append(msgs, string(m))
	}
	t.Fatal("framer did not end")
	return
}

func TestFramer(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		mode     Framing
		max      int
		wantMsgs []string
		wantErrs []string
	}{
		{"lf", "<13>a\n<13>b\r\n\n<13>c", FramingLF, 0, []string{"<13>a", "<13>b", "<13>c"}, nil},
		{"octet", "5 <13>a7 <13>bcd", FramingOctet, 0, []string{"<13>a", "<13>bcd"}, nil},
		{"octet with newline inside", "9 <13>a\nb\nc", FramingOctet, 0, []string{"<13>a\nb\nc"}, nil},
		{"auto mixes per message", "5 <13>a\n<13>b\n6 <13>cd", FramingAuto, 0, []string{"<13>a", "<13>b", "<13>cd"}, nil},
		{"auto keeps digit-led lines", "2024-05-01 10:00 login ok\n123 abc\n", FramingAuto, 0, []string{"2024-05-01 10:00 login ok", "123 abc"}, nil},
		{"lf too long skipped", "<13>ok\n<13>" + strings.Repeat("x", 40) + "\n<13>next\n", FramingLF, 20, []string{"<13>ok", "<13>next"}, []string{"too_long"}},
		{"lf exactly max", strings.Repeat("y", 20) + "\n", FramingLF, 20, []string{strings.Repeat("y", 20)}, nil},
		{"octet too long skipped", "40 <13>" + strings.Repeat("z", 36) + "6 <13>ok", FramingOctet, 20, []string{"<13>ok"}, []string{"too_long"}},
		{"octet bad length resyncs", "12x34 junk\n5 <13>a", FramingOctet, 0, []string{"<13>a"}, []string{"bad_length"}},
		{"octet truncated", "10 <13>a", FramingOctet, 0, nil, []string{io.ErrUnexpectedEOF.Error()}},
		{"nul trailer", "<13>a\x00\n", FramingLF, 0, []string{"<13>a"}, nil},
		{"last line without trailer too long", strings.Repeat("q", 30), FramingLF, 20, nil, []string{"too_long"}},
	}
	for _, tc := range tests {
		for _, oneByte := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				msgs, errs := frames(t, tc.in, tc.mode, tc.max, oneByte)
				if strings.Join(msgs, "|") != strings.Join(tc.wantMsgs, "|") {
					t.Errorf("oneByte=%v messages = %q, want %q", oneByte, msgs, tc.wantMsgs)
				}
				if strings.Join(errs, "|") != strings.Join(tc.wantErrs, "|") {
					t.Errorf("oneByte=%v errors = %q, want %q", oneByte, errs, tc.wantErrs)
				}
			})
		}
	}
}

// TestFramerLongLinesAcrossBuffer checks lines longer than the read buffer.
func TestFramerLongLinesAcrossBuffer(t *testing.T) {
	long := strings.Repeat("L", 200<<10)
	in := "<13>a\n" + long + "\n<13>b\n"
	msgs, errs := frames(t, in, FramingLF, 256<<10, false)
	if len(msgs) != 3 || msgs[1] != long || len(errs) != 0 {
		t.Fatalf("got %d messages (errs %v)", len(msgs), errs)
	}
	msgs, errs = frames(t, in, FramingLF, 100<<10, false)
	if strings.Join(msgs, "|") != "<13>a|<13>b" || strings.Join(errs, "|") != "too_long" {
		t.Fatalf("got %q %q", msgs, errs)
	}
}

func TestOctetRoundTrip(t *testing.T) {
	var buf []byte
	want := []string{"<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' failed\nsecond line", "<13>x"}
	for _, m := range want {
		buf = AppendOctetFrame(buf, []byte(m))
	}
	msgs, errs := frames(t, string(buf), FramingAuto, 0, true)
	if strings.Join(msgs, "§") != strings.Join(want, "§") || errs != nil {
		t.Fatalf("got %q %v", msgs, errs)
	}
}

// FuzzFramer: no panic, every message within the limit, and the framer ends
// on any input.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{
		"<13>a\n<13>b\r\n", "5 <13>a7 <13>bcd", "9999999999 <", "12x34\n", "\n\n\r\r", "0 ",
		"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.\n",
		"58 <34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - -",
	} {
		f.Add([]byte(s), uint8(0), uint16(64))
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8, max uint16) {
		limit := int(max%512) + 1
		fr := NewFramer(bytes.NewReader(in), Framing(mode%3), limit)
		for i := 0; i <= len(in)+1; i++ {
			m, err := fr.Next()
			if err != nil {
				var fe *FrameError
				if errors.As(err, &fe) {
					continue
				}
				return
			}
			if len(m) > limit {
				t.Fatalf("message of %d bytes exceeds limit %d", len(m), limit)
			}
			if len(m) == 0 {
				t.Fatal("empty message returned")
			}
		}
		t.Fatalf("framer returned more messages than input bytes")
	})
}

func BenchmarkFramerLF(b *testing.B) {
	line := []byte("<134>1 2024-05-01T10:00:00Z fw01 fortigate - - - date=2024-05-01 time=10:00:00 devname=fw01 srcip=10.0.0.1 dstip=10.0.0.2 action=accept\n")
	data := bytes.Repeat(line, 10000)
	b.SetBytes(int64(len(line)))
	b.ResetTimer()
	n := 0
	for n < b.N {
		f := NewFramer(bytes.NewReader(data), FramingAuto, 0)
		for n < b.N {
			if _, err := f.Next(); err != nil {
				break
			}
			n++
		}
	}
}

func TestIDTime(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC)
	// NewIDAt never goes back in time within a process, so only a lower bound holds.
	if got := IDTime(bianque.NewIDAt(at)); got.Before(at) {
		t.Errorf("IDTime(NewIDAt) = %v, want at least %v", got, at)
	}
	if got := IDTime(DeriveID(at, "x")); !got.Equal(at) {
		t.Errorf("IDTime(DeriveID) = %v", got)
	}
	for _, id := range []string{"", "r1", DeriveID(time.Time{}, "x"), "!!!!!!!!!!!!!!!!!!!!!!!!!!"} {
		if got := IDTime(id); !got.IsZero() {
			t.Errorf("IDTime(%q) = %v, want zero", id, got)
		}
	}
}
