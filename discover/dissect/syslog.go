package dissect

import "bytes"

// maxSyslogMessage bounds a kept message sample.
const maxSyslogMessage = 2048

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Syslog dissects one syslog message (RFC 3164 or RFC 5424): it marks the
// sender as a syslog source and keeps its host name, application name and
// a bounded sample of messages (the text after the priority).
func Syslog(b []byte, o *Out) bool {
	if len(b) < 3 || b[0] != '<' {
		return false
	}
	i := 1
	for i < len(b) && i <= 4 && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 1 || i >= len(b) || b[i] != '>' {
		return false
	}
	msg := b[i+1:]
	msg = bytes.TrimRight(msg, "\x00")
	if len(msg) == 0 {
		return true
	}
	sample := msg
	if len(sample) > maxSyslogMessage {
		sample = sample[:maxSyslogMessage]
	}
	o.Fact(Src, SyslogMessage, sample)

	if len(msg) > 2 && msg[0] == '1' && msg[1] == ' ' { // RFC 5424
		f := msg[2:]
		var fields [3][]byte // timestamp, host, app
		for k := range fields {
			sp := bytes.IndexByte(f, ' ')
			if sp < 0 {
				fields[k] = f
				f = nil
				break
			}
			fields[k], f = f[:sp], f[sp+1:]
		}
		if h := fields[1]; len(h) > 0 && string(h) != "-" {
			o.Fact(Src, SyslogHost, h)
		}
		if a := fields[2]; len(a) > 0 && string(a) != "-" {
			o.Fact(Src, SyslogApp, a)
		}
		return true
	}
	// RFC 3164: "Mmm dd hh:mm:ss host tag[pid]: text".
	if len(msg) >= 16 && isMonth(msg[:3]) && msg[3] == ' ' && msg[6] == ' ' && msg[9] == ':' {
		rest := msg[16:]
		sp := bytes.IndexByte(rest, ' ')
		if sp > 0 {
			host := rest[:sp]
			o.Fact(Src, SyslogHost, host)
			rest = rest[sp+1:]
			end := bytes.IndexAny(rest, "[: ")
			if end > 0 && (rest[end] == '[' || rest[end] == ':') {
				o.Fact(Src, SyslogApp, rest[:end])
			}
		}
	}
	return true
}

func isMonth(b []byte) bool {
	for _, m := range months {
		if string(b) == m {
			return true
		}
	}
	return false
}

// SyslogConn dissects syslog over TCP: octet-counted (RFC 6587 "LEN <PRI>…")
// or newline-delimited frames.
type SyslogConn struct {
	n int
}

const maxSyslogFrames = 256

// Feed implements StreamParser.
func (c *SyslogConn) Feed(dir int, b []byte, o *Out) (int, bool) {
	if dir != 0 || len(b) == 0 {
		return len(b), dir != 0
	}
	c.n++
	if c.n > maxSyslogFrames {
		return len(b), true
	}
	if b[0] >= '1' && b[0] <= '9' { // octet counting
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return 0, len(b) > 16
		}
		n := 0
		for _, d := range b[:sp] {
			if d < '0' || d > '9' || n > 1<<20 {
				return 0, true
			}
			n = n*10 + int(d-'0')
		}
		if len(b) < sp+1+n {
			if n > 64<<10 {
				return sp + 1 + n, false
			}
			return 0, false
		}
		Syslog(b[sp+1:sp+1+n], o)
		return sp + 1 + n, false
	}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		if len(b) > 64<<10 {
			return len(b), true
		}
		return 0, false
	}
	Syslog(trimCR(b[:nl]), o)
	return nl + 1, false
}
