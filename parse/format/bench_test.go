package format

import "testing"

const benchKV = `date=2024-05-02 time=10:51:55 devname="FGT-HIS-01" devid="FG100FTK20000001" eventtime=1714639915421843994 tz="+0800" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.20.30.40 srcport=51234 srcintf="port2" srcintfrole="lan" dstip=172.16.5.9 dstport=443 dstintf="port3" dstintfrole="wan" srccountry="Reserved" dstcountry="China" sessionid=1234567 proto=6 action="accept" policyid=12 policytype="policy" poluuid="5187b416-87fa-51ec-c830-268b6371a3ac" service="HTTPS" trandisp="snat" transip=203.0.113.5 transport=51234 appid=40568 app="HTTPS.BROWSER" appcat="Web.Client" apprisk="medium" duration=180 sentbyte=23456 rcvdbyte=345678 sentpkt=120 rcvdpkt=300`

func BenchmarkKV(b *testing.B) {
	b.SetBytes(int64(len(benchKV)))
	b.ReportAllocs()
	var dst Pairs
	for i := 0; i < b.N; i++ {
		dst = ParseKV(benchKV, KVOptions{}, dst[:0])
	}
}

const benchCEF = `CEF:0|Trend Micro|Apex One|2019|500|Spyware detected|6|dvchost=APEX-01 rt=Jan 18 2024 11:07:53 GMT+08:00 src=10.1.2.3 spt=51234 dst=10.9.8.7 dpt=445 suser=HOSP\\zhangsan act=Quarantined fname=evil.exe filePath=C:\\Users\\zhangsan\\evil.exe cs1Label=Scan Type cs1=Real-time`

func BenchmarkCEF(b *testing.B) {
	b.SetBytes(int64(len(benchCEF)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseCEF(benchCEF); err != nil {
			b.Fatal(err)
		}
	}
}

const benchLEEF = "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^dstPort=21^usrName=joe^proto=6"

func BenchmarkLEEF(b *testing.B) {
	b.SetBytes(int64(len(benchLEEF)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseLEEF(benchLEEF); err != nil {
			b.Fatal(err)
		}
	}
}

const benchCSV = `1,2024/08/12 15:57:12,012345678910,TRAFFIC,end,2561,2024/08/12 15:57:04,10.1.2.3,93.184.216.34,203.0.113.9,93.184.216.34,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,2024/08/12 15:57:04,113535,1,56731,443,56731,443,0x400053,tcp,allow,5773,1974,3799,24`

func BenchmarkCSV(b *testing.B) {
	b.SetBytes(int64(len(benchCSV)))
	b.ReportAllocs()
	var dst []string
	for i := 0; i < b.N; i++ {
		dst = SplitCSV(benchCSV, ',', dst[:0])
	}
}

const benchAccess = `192.168.33.1 - - [26/Dec/2016:16:22:00 +0000] "GET /favicon.ico HTTP/1.1" 404 504 "http://192.168.33.72/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/54.0.2840.98 Safari/537.36"`

func BenchmarkAccessLog(b *testing.B) {
	b.SetBytes(int64(len(benchAccess)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseAccessLog(benchAccess); err != nil {
			b.Fatal(err)
		}
	}
}
