package dissect

import "bytes"

// headerEnd returns the length of an HTTP-style head (start line and
// headers, including the blank line), or -1 when it is not complete.
func headerEnd(b []byte) int {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return i + 4
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return i + 2
	}
	return -1
}

// nextLine splits b at the first line end.
func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return trimCR(b), nil
	}
	return trimCR(b[:i]), b[i+1:]
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// header splits "Name: value".
func header(line []byte) (name, value []byte, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return nil, nil, false
	}
	name = bytes.TrimSpace(line[:i])
	value = bytes.TrimSpace(line[i+1:])
	return name, value, true
}

var httpMethods = [...]string{"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "PATCH ", "TRACE ",
	"PROPFIND ", "SUBSCRIBE ", "NOTIFY ", "M-SEARCH "}

// IsHTTPRequest reports whether b starts like an HTTP request line.
func IsHTTPRequest(b []byte) bool {
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// IsHTTPResponse reports whether b starts like an HTTP status line.
func IsHTTPResponse(b []byte) bool { return bytes.HasPrefix(b, []byte("HTTP/1.")) }

// httpHead is what the head of one HTTP message says.
type httpHead struct {
	request       bool
	contentLength int // -1 when absent
	chunked       bool
	noBody        bool // 1xx, 204, 304 responses and HEAD-less requests without length
}

// parseHTTPHead emits the identity headers of one message head. It returns
// the head's description; the caller has checked the start line.
func parseHTTPHead(head []byte, o *Out) httpHead {
	line, rest := nextLine(head)
	h := httpHead{contentLength: -1}
	h.request = !IsHTTPResponse(line)
	if h.request {
		// "GET /path HTTP/1.1" → keep method and a bounded path prefix.
		if sp := bytes.IndexByte(line, ' '); sp > 0 {
			end := bytes.LastIndexByte(line, ' ')
			if end <= sp {
				end = len(line)
			}
			req := line[:end]
			if len(req) > 128 {
				req = req[:128]
			}
			o.Fact(Src, HTTPRequest, req)
		}
	} else if len(line) >= 12 {
		code := line[9:12]
		if code[0] == '1' || string(code) == "204" || string(code) == "304" {
			h.noBody = true
		}
	}
	for len(rest) > 0 {
		line, rest = nextLine(rest)
		if len(line) == 0 {
			break
		}
		name, value, ok := header(line)
		if !ok || len(value) == 0 {
			continue
		}
		switch {
		case equalFold(name, "host") && h.request:
			o.Fact(Src, HTTPHost, value)
		case equalFold(name, "user-agent") && h.request:
			o.Fact(Src, HTTPUserAgent, value)
		case equalFold(name, "server") && !h.request:
			o.Fact(Src, HTTPServer, value)
		case equalFold(name, "location") && !h.request:
			o.Fact(Src, HTTPLocation, value)
		case equalFold(name, "authorization") && h.request:
			if hasPrefixFold(value, "basic ") {
				o.Fact(Src, HTTPBasicAuth, []byte("basic"))
			}
		case equalFold(name, "content-length"):
			n := 0
			for _, c := range value {
				if c < '0' || c > '9' || n > 1<<40 {
					n = -1
					break
				}
				n = n*10 + int(c-'0')
			}
			h.contentLength = n
		case equalFold(name, "transfer-encoding"):
			if indexFold(value, "chunked") >= 0 {
				h.chunked = true
			}
		}
	}
	if h.request && h.contentLength < 0 && !h.chunked {
		h.contentLength = 0
	}
	return h
}

// HTTPConn dissects the two directions of an HTTP/1.x connection: the
// request heads (Host, User-Agent, basic authentication) and response heads
// (Server, Location) of the first messages, skipping bodies.
type HTTPConn struct {
	msgs [2]int
}

// maxHTTPMessages bounds the messages read per direction: identity rarely
// changes within one connection.
const maxHTTPMessages = 8

// maxHead bounds a buffered message head.
const maxHead = 32 << 10

// Feed implements StreamParser.
func (c *HTTPConn) Feed(dir int, b []byte, o *Out) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	if !IsHTTPRequest(b) && !IsHTTPResponse(b) {
		if len(b) < 8 && (bytes.HasPrefix([]byte("HTTP/1."), b) || isMethodPrefix(b)) {
			return 0, false // not enough to tell yet
		}
		return 0, true
	}
	end := headerEnd(b)
	if end < 0 {
		if len(b) > maxHead {
			return 0, true
		}
		return 0, false
	}
	h := parseHTTPHead(b[:end], o)
	c.msgs[dir]++
	if c.msgs[dir] >= maxHTTPMessages {
		return end, true
	}
	switch {
	case h.noBody:
		return end, false
	case h.chunked:
		return end, true // chunk framing is not followed; the identity is known
	case h.contentLength >= 0:
		return end + h.contentLength, false
	}
	return end, true // body until close
}

func isMethodPrefix(b []byte) bool {
	for _, m := range httpMethods {
		if len(b) <= len(m) && bytes.HasPrefix([]byte(m), b) {
			return true
		}
	}
	return false
}

// SSDP dissects a UDP SSDP message (port 1900): NOTIFY and search responses
// describe the sender (SERVER, USN, LOCATION, NT/ST); M-SEARCH only names the
// searcher's user agent.
func SSDP(msg []byte, o *Out) bool {
	line, rest := nextLine(msg)
	var search, announce bool
	switch {
	case bytes.HasPrefix(line, []byte("M-SEARCH ")):
		search = true
	case bytes.HasPrefix(line, []byte("NOTIFY ")), bytes.HasPrefix(line, []byte("HTTP/1.")):
		announce = true
	default:
		return false
	}
	for len(rest) > 0 {
		line, rest = nextLine(rest)
		if len(line) == 0 {
			break
		}
		name, value, ok := header(line)
		if !ok || len(value) == 0 {
			continue
		}
		switch {
		case equalFold(name, "host"):
			o.Fact(Src, SSDPHost, value)
		case equalFold(name, "user-agent"):
			o.Fact(Src, SSDPUserAgent, value)
		case !announce:
		case equalFold(name, "server"):
			o.Fact(Src, SSDPServer, value)
		case equalFold(name, "usn"):
			o.Fact(Src, SSDPUSN, value)
		case equalFold(name, "location"):
			o.Fact(Src, SSDPLocation, value)
		case equalFold(name, "nt"), equalFold(name, "st"):
			o.Fact(Src, SSDPType, value)
		}
	}
	_ = search
	return true
}
