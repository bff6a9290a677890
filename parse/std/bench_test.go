package std_test

import (
	"testing"
	"time"

	"bianque/internal/testutil"
	"bianque/mask"
	"bianque/parse"
	"bianque/parse/std"
)

// Sample messages per format, as devices send them (syslog header included).
var benchInputs = []struct {
	name   string
	vendor string
	msg    string
}{
	{"syslog+kv/fortigate", "fortigate", `<189>date=2024-05-02 time=10:51:55 devname="FGT-HIS-01" devid="FG100FTK20000001" eventtime=1714639915421843994 tz="+0800" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.20.30.40 srcport=51234 srcintf="port2" srcintfrole="lan" dstip=172.16.5.9 dstport=443 dstintf="port3" dstintfrole="wan" srccountry="Reserved" dstcountry="China" sessionid=1234567 proto=6 action="accept" policyid=12 policytype="policy" poluuid="5187b416-87fa-51ec-c830-268b6371a3ac" service="HTTPS" trandisp="snat" transip=203.0.113.5 transport=51234 appid=40568 app="HTTPS.BROWSER" appcat="Web.Client" apprisk="medium" duration=180 sentbyte=23456 rcvdbyte=345678 sentpkt=120 rcvdpkt=300`},
	{"syslog+text/cisco-asa", "cisco-asa", `<166>Oct 10 2018 12:34:56 asa-his-01 : %ASA-6-302013: Built outbound TCP connection 89743274 for outside:192.168.2.43/443 (192.168.2.43/443) to inside:10.123.3.42/4952 (10.123.3.42/12834)`},
	{"syslog+csv/panos", "panos", `<14>Sep 16 10:00:02 PA-1 1,2024/08/12 15:57:12,012345678910,TRAFFIC,end,2561,2024/08/12 15:57:04,10.1.2.3,93.184.216.34,203.0.113.9,93.184.216.34,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,2024/08/12 15:57:04,113535,1,56731,443,56731,443,0x400053,tcp,allow,5773,1974,3799,24,2024/08/12 15:56:04,60,computer-and-internet-info,,7390000000000,0x0,10.0.0.0-10.255.255.255,United States,,12,12,tcp-fin,0,0,0,0,,PA-1,from-policy`},
	{"cef/generic", "", `<134>Jan 18 11:07:53 host CEF:0|Trend Micro|Apex One|2019|500|Spyware detected|6|dvchost=APEX-01 rt=Jan 18 2024 11:07:53 GMT+08:00 src=10.1.2.3 spt=51234 dst=10.9.8.7 dpt=445 suser=HOSP\\zhangsan act=Quarantined fname=evil.exe filePath=C:\\Users\\zhangsan\\evil.exe cs1Label=Scan Type cs1=Real-time`},
	{"leef/generic", "", `<13>Jan 18 11:07:53 192.168.1.1 LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^dstPort=21^usrName=joe^proto=6^devTime=Jan 18 2024 11:07:53^devTimeFormat=MMM dd yyyy HH:mm:ss`},
	{"json/generic", "", `{"@timestamp":"2024-05-02T10:51:55.421Z","event":{"kind":"event","category":["network"],"action":"allowed"},"source":{"ip":"10.1.2.3","port":51234},"destination":{"ip":"172.16.5.9","port":443},"network":{"transport":"tcp"},"host":{"name":"srv-01"},"message":"connection allowed"}`},
	{"access/combined", "", `192.168.33.1 - - [26/Dec/2016:16:22:00 +0000] "GET /favicon.ico HTTP/1.1" 404 504 "http://192.168.33.72/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/54.0.2840.98 Safari/537.36"`},
	{"rfc5424+sd", "", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry for 10.1.2.3`},
}

func benchParser() *parse.Parser {
	return std.NewParser(parse.Options{Clock: testutil.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
}

// BenchmarkParse measures parse + normalize per format on one core.
func BenchmarkParse(b *testing.B) {
	p := benchParser()
	for _, in := range benchInputs {
		raw := []byte(in.msg)
		hint := parse.Hint{Vendor: in.vendor, ReceivedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			cpu := testutil.CPUTime()
			for i := 0; i < b.N; i++ {
				if _, err := p.Parse(raw, hint); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			testutil.ReportCPURate(b, cpu, "events")
		})
	}
}

// BenchmarkParseDetect is BenchmarkParse without a vendor hint: the format
// and vendor are detected for every message.
func BenchmarkParseDetect(b *testing.B) {
	p := benchParser()
	for _, in := range benchInputs[:3] {
		raw := []byte(in.msg)
		hint := parse.Hint{ReceivedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := testutil.CPUTime()
			for i := 0; i < b.N; i++ {
				if _, err := p.Parse(raw, hint); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			testutil.ReportCPURate(b, cpu, "events")
		})
	}
}

// BenchmarkParseMask measures parse + normalize + mask per format.
func BenchmarkParseMask(b *testing.B) {
	p := benchParser()
	m, err := mask.New([]byte("bench-tenant-key-0123456789"), mask.Default())
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range benchInputs {
		raw := []byte(in.msg)
		hint := parse.Hint{Vendor: in.vendor, ReceivedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := testutil.CPUTime()
			for i := 0; i < b.N; i++ {
				ev, err := p.Parse(raw, hint)
				if err != nil {
					b.Fatal(err)
				}
				m.Event(ev)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			testutil.ReportCPURate(b, cpu, "events")
		})
	}
}
