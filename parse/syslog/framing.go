package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// DefaultMaxLength is the largest frame accepted when none is configured.
const DefaultMaxLength = 8192

// FrameError is a framing error: the stream cannot be resynchronised after it.
type FrameError struct{ Msg string }

func (e *FrameError) Error() string { return e.Msg }

func frameErr(format string, a ...any) error { return &FrameError{Msg: fmt.Sprintf(format, a...)} }

func describe(c byte) string {
	switch c {
	case ' ':
		return "WS"
	}
	return "ILLEGAL(" + string(rune(c)) + ")"
}

// ReadOctetCounted reads one RFC 6587 octet-counted frame ("MSGLEN SP
// SYSLOG-MSG") from r. At a clean end of stream it returns io.EOF. A frame cut
// short by the end of the stream is returned with an *IncompleteFrameError;
// a malformed length with a *FrameError. max <= 0 means DefaultMaxLength.
func ReadOctetCounted(r *bufio.Reader, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxLength
	}
	c, err := r.ReadByte()
	// Senders that end frames with a newline anyway are tolerated.
	for err == nil && (c == '\n' || c == '\r') {
		c, err = r.ReadByte()
	}
	if err != nil {
		return nil, io.EOF
	}
	if c < '1' || c > '9' {
		return nil, frameErr("found %s, expecting a MSGLEN", describe(c))
	}
	digits := []byte{c}
	for {
		c, err = r.ReadByte()
		if err != nil {
			return nil, frameErr("found EOF, expecting a WS")
		}
		if c == ' ' {
			break
		}
		if c < '0' || c > '9' {
			return nil, frameErr("found %s, expecting a WS", describe(c))
		}
		digits = append(digits, c)
	}
	n, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil || n > 1<<31 {
		return nil, frameErr("invalid message length")
	}
	if int(n) > max {
		return nil, frameErr("message length (%d) exceeds maximum length (%d)", n, max)
	}
	buf := make([]byte, n)
	got, err := io.ReadFull(r, buf)
	if err != nil {
		return buf[:got], &IncompleteFrameError{Want: int(n), Got: buf[:got]}
	}
	return buf, nil
}

// IncompleteFrameError reports a frame cut short by the end of the stream.
type IncompleteFrameError struct {
	Want int
	Got  []byte
}

func (e *IncompleteFrameError) Error() string {
	return fmt.Sprintf("found EOF after %q, expecting a SYSLOGMSG containing %d octets", e.Got, e.Want)
}

// ErrNoTrailer reports a non-transparent frame that ended without its trailer.
var ErrNoTrailer = errors.New("unexpected EOF")

// ReadNonTransparent reads one RFC 6587 non-transparent frame ended by
// trailer (LF or NUL). A last frame without trailer is returned with
// ErrNoTrailer; a clean end of stream with io.EOF. Frames longer than max
// are cut at max and the rest skipped up to the trailer (bufio.ErrTooLong).
func ReadNonTransparent(r *bufio.Reader, trailer byte, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxLength
	}
	var out []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice(trailer)
		if len(out)+len(chunk) > max+1 {
			room := max - len(out)
			if room > 0 {
				out = append(out, chunk[:room]...)
			}
			tooLong = true
		} else if !tooLong {
			out = append(out, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if len(out) == 0 {
				return nil, io.EOF
			}
			if len(out) > max {
				out = out[:max]
			}
			return out, ErrNoTrailer
		}
		break
	}
	if n := len(out); n > 0 && out[n-1] == trailer {
		out = out[:n-1]
	}
	if len(out) > max {
		out, tooLong = out[:max], true
	}
	if tooLong {
		return out, bufio.ErrTooLong
	}
	return out, nil
}
