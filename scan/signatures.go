package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
)

// Identity is what the signatures recognise in a banner.
type Identity struct {
	Service string `json:"service"`           // ssh, ftp, smtp, http, mysql, postgresql, redis, ...
	Product string `json:"product,omitempty"` // OpenSSH, vsftpd, MariaDB, ...
	Version string `json:"version,omitempty"`
	CPE     string `json:"cpe,omitempty"`
	OS      string `json:"os,omitempty"` // an OS hint (Debian, Ubuntu, Windows, ...)
	Info    string `json:"info,omitempty"`
	// Auth is what the service said about authentication before any login:
	// "none" (it answered a command without one), "required", or "".
	Auth string `json:"auth,omitempty"`
}

// signature is one rule of the project's own service signature set: a
// regular expression over the banner, the service it names, and how to read
// product, version and CPE from the match. The set is written from the
// protocols' specifications and the servers' documented greetings; it does
// not derive from nmap-service-probes.
type signature struct {
	service, product string
	re               *regexp.Regexp
	version          int    // submatch holding the version (0 = none)
	cpe              string // CPE 2.3 prefix "vendor:product" (part a) to which the version is appended
	os               string // OS implied by the product (IIS → Windows)
	osFrom           int    // submatch holding OS words
}

func sig(service, product, re string, version int, cpe, os string, osFrom int) signature {
	return signature{service, product, regexp.MustCompile(re), version, cpe, os, osFrom}
}

var textSignatures = []signature{
	// SSH (RFC 4253 §4.2: "SSH-protoversion-softwareversion SP comments").
	sig("ssh", "OpenSSH", `^SSH-[\d.]+-OpenSSH_([\w.]+)(?:[ -]([^\r\n]*))?`, 1, "openbsd:openssh", "", 2),
	sig("ssh", "Dropbear", `^SSH-[\d.]+-dropbear_([\w.]+)`, 1, "dropbear_ssh_project:dropbear_ssh", "", 0),
	sig("ssh", "Cisco SSH", `^SSH-[\d.]+-Cisco-([\d.]+)`, 1, "", "Cisco IOS", 0),
	sig("ssh", "libssh", `^SSH-[\d.]+-libssh[_-]([\w.]+)`, 1, "libssh:libssh", "", 0),
	sig("ssh", "", `^SSH-([\d.]+)-(\S+)`, 0, "", "", 0),
	// FTP (RFC 959 220 greeting).
	sig("ftp", "vsftpd", `^220[ -].*\(vsFTPd ([\d.]+)\)`, 1, "vsftpd_project:vsftpd", "", 0),
	sig("ftp", "ProFTPD", `^220[ -].*ProFTPD ([\d.]+\w*)`, 1, "proftpd:proftpd", "", 0),
	sig("ftp", "Pure-FTPd", `^220[ -].*Pure-FTPd`, 0, "pureftpd:pure-ftpd", "", 0),
	sig("ftp", "FileZilla Server", `^220[ -].*FileZilla Server(?: version)? ([\d.]+\w*)`, 1, "filezilla-project:filezilla_server", "Windows", 0),
	sig("ftp", "Microsoft FTP Service", `^220[ -].*Microsoft FTP Service`, 0, "microsoft:internet_information_services", "Windows", 0),
	sig("ftp", "", `^220[ -][^\r\n]*FTP`, 0, "", "", 0),
	// SMTP (RFC 5321 220 greeting).
	sig("smtp", "Postfix", `^220[ -]\S+ E?SMTP Postfix(?: \(([^)]*)\))?`, 0, "postfix:postfix", "", 1),
	sig("smtp", "Exim", `^220[ -]\S+ E?SMTP Exim ([\d.]+)`, 1, "exim:exim", "", 0),
	sig("smtp", "Sendmail", `^220[ -]\S+ E?SMTP Sendmail ([\d.]+)`, 1, "sendmail:sendmail", "", 0),
	sig("smtp", "Microsoft ESMTP", `^220[ -]\S+ Microsoft ESMTP MAIL Service`, 0, "microsoft:exchange_server", "Windows", 0),
	sig("smtp", "OpenSMTPD", `^220[ -]\S+ E?SMTP OpenSMTPD`, 0, "openbsd:opensmtpd", "", 0),
	sig("smtp", "", `^220[ -][^\r\n]*(?:E?SMTP|[Mm]ail)`, 0, "", "", 0),
	sig("pop3", "Dovecot", `^\+OK Dovecot`, 0, "dovecot:dovecot", "", 0),
	sig("pop3", "", `^\+OK `, 0, "", "", 0),
	sig("imap", "Dovecot", `^\* OK .*Dovecot`, 0, "dovecot:dovecot", "", 0),
	sig("imap", "", `^\* OK `, 0, "", "", 0),
	// VNC (RFC 6143 §7.1.1 ProtocolVersion).
	sig("vnc", "", `^RFB (\d{3}\.\d{3})\n`, 1, "", "", 0),
	// Memcached text protocol reply to "version".
	sig("memcached", "memcached", `(?m)^VERSION ([\d.]+)`, 1, "memcached:memcached", "", 0),
	// Redis (RESP) replies to PING / INFO.
	sig("redis", "Redis", `(?m)^redis_version:([\d.]+)`, 1, "redis:redis", "", 0),
	sig("redis", "Redis", `^(?:\+PONG|-NOAUTH|-ERR operation not permitted|-DENIED)`, 0, "redis:redis", "", 0),
	// Services that answer an HTTP request: the Server header names them.
	sig("http", "Apache httpd", `(?mi)^Server: Apache/([\d.]+)(?: \(([^)]*)\))?`, 1, "apache:http_server", "", 2),
	sig("http", "Apache Tomcat", `(?mi)^Server: Apache-Coyote/([\d.]+)`, 0, "apache:tomcat", "", 0),
	sig("http", "nginx", `(?mi)^Server: nginx/([\d.]+)`, 1, "f5:nginx", "", 0),
	sig("http", "nginx", `(?mi)^Server: nginx\b`, 0, "f5:nginx", "", 0),
	sig("http", "Microsoft IIS", `(?mi)^Server: Microsoft-IIS/([\d.]+)`, 1, "microsoft:internet_information_services", "Windows", 0),
	sig("http", "lighttpd", `(?mi)^Server: lighttpd/([\d.]+)`, 1, "lighttpd:lighttpd", "", 0),
	sig("http", "Jetty", `(?mi)^Server: Jetty\(([\d.]+)`, 1, "eclipse:jetty", "", 0),
	sig("http", "", `^HTTP/[\d.]+ \d{3}`, 0, "", "", 0),
}

var osWords = []struct {
	word, os string
}{
	{"ubuntu", "Ubuntu"}, {"debian", "Debian"}, {"deb9", "Debian 9"}, {"deb10", "Debian 10"}, {"deb11", "Debian 11"}, {"deb12", "Debian 12"},
	{"centos", "CentOS"}, {"red hat", "Red Hat Enterprise Linux"}, {"rhel", "Red Hat Enterprise Linux"}, {"el7", "Red Hat Enterprise Linux 7"},
	{"el8", "Red Hat Enterprise Linux 8"}, {"fedora", "Fedora"}, {"suse", "SUSE"}, {"freebsd", "FreeBSD"}, {"win32", "Windows"},
	{"win64", "Windows"}, {"windows", "Windows"}, {"raspbian", "Raspbian"}, {"alpine", "Alpine Linux"},
}

// osHint names the OS in free text (banner comments, Server header parentheses).
func osHint(s string) string {
	l := strings.ToLower(s)
	best := ""
	for _, w := range osWords {
		if strings.Contains(l, w.word) && len(w.os) > len(best) {
			best = w.os
		}
	}
	return best
}

// Identify names the service behind a banner. port is only a tie-breaker for
// banners that say nothing (a silent port keeps its well-known name).
func Identify(port int, banner []byte) Identity {
	if len(banner) == 0 {
		return Identity{Service: wellKnown[port]}
	}
	if id, ok := identifyBinary(port, banner); ok {
		return id
	}
	s := string(banner)
	for _, sg := range textSignatures {
		m := sg.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		id := Identity{Service: sg.service, Product: sg.product, OS: sg.os}
		if sg.version > 0 && sg.version < len(m) {
			id.Version = m[sg.version]
		}
		if sg.osFrom > 0 && sg.osFrom < len(m) && id.OS == "" {
			id.OS = osHint(m[sg.osFrom])
		}
		if id.Product == "" && sg.service == "ssh" && len(m) > 2 {
			id.Product, id.Info = m[2], "protocol "+m[1]
		}
		if sg.service == "vnc" {
			id.Info = "RFB " + id.Version
			id.Version = ""
		}
		if sg.cpe != "" {
			id.CPE = cpeFor(sg.cpe, id.Version)
		}
		switch {
		case strings.HasPrefix(s, "+PONG"), sg.service == "redis" && strings.Contains(s, "redis_version:"):
			id.Auth = "none"
		case strings.HasPrefix(s, "-NOAUTH"), strings.HasPrefix(s, "-ERR operation not permitted"), strings.HasPrefix(s, "-DENIED"):
			id.Auth = "required"
		case sg.service == "memcached":
			id.Auth = "none"
		}
		return id
	}
	if banner[0] == 0xff && len(banner) > 1 && banner[1] >= 0xfb && banner[1] <= 0xfe {
		return Identity{Service: "telnet"}
	}
	return Identity{Service: wellKnown[port], Info: "unrecognised banner"}
}

// cpeFor builds a CPE 2.3 name; OpenSSH's "7.4p1" becomes version 7.4 update p1.
func cpeFor(vendorProduct, version string) string {
	v, upd := version, "*"
	if version == "" {
		v = "*"
	} else if i := strings.IndexByte(version, 'p'); i > 0 && strings.HasPrefix(vendorProduct, "openbsd:openssh") {
		v, upd = version[:i], version[i:]
	}
	return fmt.Sprintf("cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*", vendorProduct, v, upd)
}

var mariadbRE = regexp.MustCompile(`^(?:5\.5\.5-)?([\d.]+)-MariaDB(.*)$`)

// identifyBinary reads the binary greetings: MySQL/MariaDB handshake,
// PostgreSQL SSL answer, SMB2 negotiate, RDP X.224, TDS pre-login.
func identifyBinary(port int, b []byte) (Identity, bool) {
	// MySQL protocol: 3-byte length, sequence 0, then protocol 10 and a NUL-terminated version.
	if len(b) > 5 && b[3] == 0 && b[4] == 0x0a {
		n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
		if n > 0 && n+4 <= len(b)+64 {
			end := bytes.IndexByte(b[5:], 0)
			if end > 0 {
				ver := string(b[5 : 5+end])
				if m := mariadbRE.FindStringSubmatch(ver); m != nil {
					return Identity{Service: "mysql", Product: "MariaDB", Version: m[1], CPE: cpeFor("mariadb:mariadb", m[1]), OS: osHint(m[2]), Info: ver}, true
				}
				v := ver
				if i := strings.IndexAny(v, "-_ "); i > 0 {
					v = v[:i]
				}
				return Identity{Service: "mysql", Product: "MySQL", Version: v, CPE: cpeFor("oracle:mysql", v), OS: osHint(ver), Info: ver}, true
			}
		}
	}
	// MySQL error packet before the handshake (host not allowed, too many connections).
	if len(b) > 7 && b[3] == 0 && b[4] == 0xff {
		return Identity{Service: "mysql", Info: strings.TrimSpace(string(b[7:]))}, true
	}
	// SMB2 negotiate response.
	if len(b) > 8 && bytes.Equal(b[4:8], []byte("\xfeSMB")) {
		return Identity{Service: "smb", Product: "SMB2/3"}, true
	}
	if len(b) > 8 && bytes.Equal(b[4:8], []byte("\xffSMB")) {
		return Identity{Service: "smb", Product: "SMB1"}, true
	}
	switch port {
	case 5432:
		// PostgreSQL answers SSLRequest with a single 'S' or 'N'.
		if len(b) == 1 && (b[0] == 'S' || b[0] == 'N') {
			return Identity{Service: "postgresql", Product: "PostgreSQL", CPE: "cpe:2.3:a:postgresql:postgresql:*:*:*:*:*:*:*:*"}, true
		}
	case 3389:
		// X.224 Connection Confirm (TPKT version 3).
		if len(b) >= 11 && b[0] == 3 && b[5] == 0xd0 {
			id := Identity{Service: "rdp"}
			if len(b) >= 19 && b[11] == 0x02 { // RDP_NEG_RSP
				switch binary.LittleEndian.Uint32(b[15:19]) {
				case 0:
					id.Info = "negotiated standard RDP security (no NLA)"
					id.Auth = "no-nla"
				case 1:
					id.Info = "negotiated TLS without NLA"
					id.Auth = "no-nla"
				case 2, 8:
					id.Info = "negotiated CredSSP (NLA)"
					id.Auth = "nla"
				}
			}
			return id, true
		}
	case 1521:
		// Oracle TNS listener: a REFUSE (or ACCEPT/RESEND) to the version request.
		if pk, _, err := ParseTNS(b); err == nil && (pk.Type == TNSRefuse || pk.Type == TNSAccept || pk.Type == TNSResend || pk.Type == TNSData) {
			id := Identity{Service: "oracle", Product: "Oracle TNS listener", Info: pk.Data}
			if v := TNSVersion(pk.Data); v != "" {
				id.Version = v
				id.CPE = cpeFor("oracle:database_server", v)
			}
			return id, true
		}
	case 1433:
		// TDS pre-login response (packet type 4) with a VERSION option.
		if len(b) > 8 && b[0] == 4 {
			id := Identity{Service: "mssql", Product: "Microsoft SQL Server", OS: "Windows"}
			if v := tdsVersion(b[8:]); v != "" {
				id.Version = v
				id.CPE = cpeFor("microsoft:sql_server", v)
			}
			return id, true
		}
	}
	return Identity{}, false
}

// tdsVersion reads the VERSION option (token 0) of a TDS PRELOGIN payload.
func tdsVersion(p []byte) string {
	for i := 0; i+5 <= len(p) && p[i] != 0xff; i += 5 {
		if p[i] != 0 {
			continue
		}
		off, n := int(binary.BigEndian.Uint16(p[i+1:])), int(binary.BigEndian.Uint16(p[i+3:]))
		if n >= 4 && off+4 <= len(p) {
			return fmt.Sprintf("%d.%d.%d", p[off], p[off+1], binary.BigEndian.Uint16(p[off+2:]))
		}
	}
	return ""
}

// wellKnown names silent ports.
var wellKnown = map[int]string{
	21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "dns", 80: "http", 104: "dicom", 110: "pop3", 111: "rpcbind",
	135: "msrpc", 139: "netbios-ssn", 143: "imap", 389: "ldap", 443: "https", 445: "smb", 502: "modbus", 1433: "mssql",
	1521: "oracle", 1883: "mqtt", 2049: "nfs", 2375: "docker", 2575: "hl7-mllp", 3306: "mysql", 3389: "rdp", 5432: "postgresql",
	5672: "amqp", 5900: "vnc", 6379: "redis", 8080: "http", 8443: "https", 9200: "elasticsearch", 11112: "dicom",
	11211: "memcached", 27017: "mongodb",
}

// HighRiskPorts are the ports R7.6 names as dangerous when reachable from the internet.
var HighRiskPorts = map[int]string{
	21: "ftp", 23: "telnet", 135: "msrpc", 139: "netbios", 445: "smb", 1433: "mssql", 1521: "oracle", 2375: "docker",
	3306: "mysql", 3389: "rdp", 5432: "postgresql", 5900: "vnc", 6379: "redis", 9200: "elasticsearch", 11211: "memcached",
	27017: "mongodb", 104: "dicom", 11112: "dicom", 2575: "hl7",
}
