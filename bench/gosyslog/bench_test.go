// Package gosyslog benchmarks the project's syslog parser beside
// github.com/leodido/go-syslog/v4 on the same RFC 5424 messages, in the same
// run. It is a separate module so the comparison library never becomes a
// dependency of the product.
//
//	cd bench/gosyslog && go test -bench . -cpu 1
package gosyslog

import (
	"testing"
	"time"

	"github.com/leodido/go-syslog/v4/rfc5424"

	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
	"bianque/parse/syslog"
)

// messages are RFC 5424 messages of the usual shapes: minimal, with
// structured data, and a firewall key=value payload.
var messages = [][]byte{
	[]byte(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry`),
	[]byte(`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8`),
	[]byte(`<189>1 2024-05-02T10:51:55.421843+08:00 FGT-HIS-01 - - - - date=2024-05-02 time=10:51:55 devname="FGT-HIS-01" devid="FG100FTK20000001" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=10.20.30.40 srcport=51234 dstip=172.16.5.9 dstport=443 proto=6 action="accept" sentbyte=23456 rcvdbyte=345678`),
}

func report(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N*len(messages))/b.Elapsed().Seconds(), "msg/s")
	if used := testutil.CPUTime() - cpu; used > 0 {
		b.ReportMetric(float64(b.N*len(messages))/used.Seconds(), "msg/cpu-s")
	}
}

// BenchmarkHeader compares header parsing alone.
func BenchmarkHeader(b *testing.B) {
	b.Run("go-syslog", func(b *testing.B) {
		p := rfc5424.NewParser()
		b.ReportAllocs()
		cpu := testutil.CPUTime()
		for i := 0; i < b.N; i++ {
			for _, m := range messages {
				if _, err := p.Parse(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		report(b, cpu)
	})
	b.Run("bianque", func(b *testing.B) {
		b.ReportAllocs()
		cpu := testutil.CPUTime()
		for i := 0; i < b.N; i++ {
			for _, m := range messages {
				if _, err := syslog.ParseRFC5424(m, syslog.RFC5424Options{}); err != nil {
					b.Fatal(err)
				}
			}
		}
		report(b, cpu)
	})
}

// BenchmarkFullParse adds what go-syslog does not do: the payload format,
// the vendor normalizer and the ECS event.
func BenchmarkFullParse(b *testing.B) {
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	hint := parse.Hint{ReceivedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	cpu := testutil.CPUTime()
	for i := 0; i < b.N; i++ {
		for _, m := range messages {
			if _, err := p.Parse(m, hint); err != nil {
				b.Fatal(err)
			}
		}
	}
	report(b, cpu)
}

// TestSameFields checks both parsers read the same header from the
// benchmark messages, so the comparison is like for like.
func TestSameFields(t *testing.T) {
	gp := rfc5424.NewParser()
	for _, m := range messages {
		g, err := gp.Parse(m)
		if err != nil {
			t.Fatal(err)
		}
		gm := g.(*rfc5424.SyslogMessage)
		ours, err := syslog.ParseRFC5424(m, syslog.RFC5424Options{})
		if err != nil {
			t.Fatal(err)
		}
		if *gm.Priority != ours.Priority || gm.Version != ours.Version || !gm.Timestamp.Equal(ours.Timestamp) ||
			deref(gm.Hostname) != ours.Hostname || deref(gm.Appname) != ours.Appname || deref(gm.Message) != ours.Message {
			t.Errorf("%s: go-syslog %+v, ours %+v", m, gm, ours)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
