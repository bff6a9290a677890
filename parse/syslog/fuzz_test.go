package syslog

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xef\xbb\xbf'su root' failed",
	`<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][x@1 a="\]"] msg`,
	"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
	"<189>269614: 000191: *Jan  1 23:25:10.888: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
	"Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-6-305011: Built dynamic TCP translation",
	"<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
	"<13>2018-08-14T14:30:02.203151+02:00 linux-sqrz systemd[4179]: Stopped target",
	"<", "<1>", "<191>999 ", "<1>1 - - - - - [", "<1>1 2003-02-29T00:00:00Z - - - - -",
}

func FuzzRFC5424(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range []RFC5424Options{{}, {CompliantMsg: true}, {Lenient: true}} {
			m, err := ParseRFC5424([]byte(s), o)
			if err == nil && m == nil {
				t.Fatalf("nil message without error for %q", s)
			}
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error of type %T for %q", err, s)
				}
			}
		}
	})
}

func FuzzRFC3164(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	ref := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseRFC3164([]byte(s), RFC3164Options{Reference: ref})
		if err == nil && m.HasMessage && !strings.HasSuffix(s, m.Message) {
			t.Fatalf("message %q is not the tail of %q", m.Message, s)
		}
		Parse(s, Options{Reference: ref})
	})
}

func FuzzFraming(f *testing.F) {
	for _, s := range []string{"16 <1>1 - - - - - -17 <2>12 A B C D E -", "123abc <1>1", "18446744073709551616 <1>", "<1>1 - - - - - -\n<2>1 x\n", "9999999 x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := bufio.NewReader(strings.NewReader(s))
		for i := 0; i < 1000; i++ {
			frame, err := ReadOctetCounted(r, 1024)
			if len(frame) > 1024 {
				t.Fatalf("frame of %d bytes over the maximum", len(frame))
			}
			if err != nil {
				break
			}
		}
		r = bufio.NewReader(strings.NewReader(s))
		for i := 0; i < 1000; i++ {
			frame, err := ReadNonTransparent(r, '\n', 64)
			if len(frame) > 64 {
				t.Fatalf("frame of %d bytes over the maximum", len(frame))
			}
			if err != nil && err != bufio.ErrTooLong {
				break
			}
		}
	})
}
