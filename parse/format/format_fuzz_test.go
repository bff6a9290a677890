package format

import (
	"strings"
	"testing"
)

func FuzzCEF(f *testing.F) {
	for _, s := range []string{
		"CEF:0|security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
		`CEF:0|security|threatmanager|1.0|100|detected a \| in message|10|src=10.0.0.1 act=blocked a | dst=1.1.1.1`,
		`CEF:0||Check Point|VPN-1|Check Point|Log|Log|Unknown|act=Accept originsicname=CN\=fw,O\=m \nifname=eth0`,
		"0|SonicWall|TZ|7|608|IPS|9|junk junk msg=\"x\" src=1.2.3.4",
		"CEF:", "CEF:0|", "CEF:0|a|b|c|d|e|f|=", "CEF:0|a|b|c|d|e|f|k=\\",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCEF(s)
		if err != nil {
			return
		}
		for _, p := range c.Extensions {
			if p.Key == "" {
				t.Fatalf("empty key in %q", s)
			}
		}
		FindCEF(s)
	})
}

func FuzzLEEF(f *testing.F) {
	for _, s := range []string{
		"LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1\tdst=2.10.20.20\tspt=1200",
		"LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5",
		"LEEF:2.0|V|P|1|e|x09|a=1\tb=2",
		"1.0|WatchGuard|XTM|12|3000|host_name=M#011serial=A#011msg=x",
		"LEEF:1.0|Aruba|ClearPass|1|3003|messageId=1 devTime=May 01 2025 18:00:02 component=RADIUS",
		"LEEF:", "LEEF:3.0|a|b|c|d|", "LEEF:2.0|a|b|c|d|0x|",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLEEF(s)
		if err != nil {
			return
		}
		if l.Version == "" {
			t.Fatalf("no version for %q", s)
		}
	})
}

func FuzzKV(f *testing.F) {
	for _, s := range []string{
		`date=2024-05-02 time=10:51:55 devname="FGT" msg="a \"quoted\" value" x=`,
		`IN=eth0 OUT= MAC=14:58 SRC=1.2.3.4 DF PROTO=TCP SYN`,
		`time:"1592575034"; action:"Accept"; ifdir:"inbound"`,
		`a='single' b="unterminated`, `=`, `"`, `a==b`,
	} {
		f.Add(s, byte(0), byte(0))
		f.Add(s, byte(':'), byte(';'))
	}
	f.Fuzz(func(t *testing.T, s string, assign, sep byte) {
		ps := ParseKV(s, KVOptions{Assign: assign, Separator: sep}, nil)
		for _, p := range ps {
			if len(p.Key) > len(s) || len(p.Value) > len(s) {
				t.Fatalf("field longer than input: %q", s)
			}
		}
		LooksLikeKV(s, 3)
		ParseSpacedKV(s, nil)
	})
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		`1,2024/08/12 15:57:12,012345678910,THREAT,vulnerability,2561,"EXAMPLE.PDF",x`,
		`"a""b",c,"`, `,,,`, `"unterminated`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cols := SplitCSV(s, ',', nil)
		if len(cols) == 0 {
			t.Fatalf("no columns for %q", s)
		}
		if !strings.ContainsAny(s, "\",") && (len(cols) != 1 || cols[0] != s) {
			t.Fatalf("plain text split: %q -> %q", s, cols)
		}
	})
}

func FuzzAccessLog(f *testing.F) {
	for _, s := range []string{
		`127.0.0.1 - - [26/Dec/2016:16:18:09 +0000] "GET / HTTP/1.1" 200 491 "-" "Wget/1.13.4 (linux-gnu)"`,
		`vhost1.domaine.fr 192.168.33.2 - - [26/Dec/2016:16:22:14 +0000] "GET /hello HTTP/1.1" 404 499 "-" "UA" extra "quoted"`,
		`10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "Mozilla"`,
		`a b c [x] "`, ` [`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseAccessLog(s)
		ParseW3C(s, nil)
	})
}
