package parse

import "strings"

// secondLevel lists public suffixes of two labels common in the logs the
// platform sees (a full public suffix list is not shipped).
var secondLevel = map[string]bool{
	"co.uk": true, "org.uk": true, "ac.uk": true, "gov.uk": true, "com.cn": true, "net.cn": true, "org.cn": true,
	"gov.cn": true, "edu.cn": true, "ac.cn": true, "com.hk": true, "com.tw": true, "co.jp": true, "ne.jp": true,
	"or.jp": true, "com.au": true, "net.au": true, "org.au": true, "co.nz": true, "com.br": true, "co.in": true,
	"co.kr": true, "com.sg": true, "com.mx": true, "co.za": true, "com.tr": true, "com.ru": true,
	"in-addr.arpa": true, "ip6.arpa": true,
}

// SplitDomain returns the registered domain, subdomain and top-level domain
// of a host name ("www.example.co.uk" → "example.co.uk", "www", "co.uk").
// IP addresses and single labels yield empty strings.
func SplitDomain(host string) (registered, sub, tld string) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || IsIP(host) || !strings.Contains(host, ".") || strings.Contains(host, "..") {
		return "", "", ""
	}
	labels := strings.Split(host, ".")
	n := 1
	if len(labels) >= 3 && secondLevel[labels[len(labels)-2]+"."+labels[len(labels)-1]] {
		n = 2
	}
	if len(labels) <= n {
		return "", "", ""
	}
	tld = strings.Join(labels[len(labels)-n:], ".")
	registered = strings.Join(labels[len(labels)-n-1:], ".")
	if len(labels) > n+1 {
		sub = strings.Join(labels[:len(labels)-n-1], ".")
	}
	return registered, sub, tld
}

// SetDomainParts sets prefix.registered_domain, .subdomain and
// .top_level_domain from a host name.
func SetDomainParts(e interface{ Set(string, any) }, prefix, host string) {
	reg, sub, tld := SplitDomain(host)
	if reg == "" {
		return
	}
	e.Set(prefix+".registered_domain", reg)
	e.Set(prefix+".top_level_domain", tld)
	if sub != "" {
		e.Set(prefix+".subdomain", sub)
	}
}
