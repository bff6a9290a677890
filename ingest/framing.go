package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Framing is how messages are delimited on a stream transport (RFC 6587).
type Framing int

// Framings.
const (
	// FramingAuto decides per message: octet counting when the message starts
	// with "<digits> <" (a length, a space and a syslog PRI), otherwise
	// non-transparent framing with LF as the trailer.
	FramingAuto Framing = iota
	// FramingLF is non-transparent framing: each message ends with LF (a CR
	// before it is dropped). Used by most devices and by plain line logs.
	FramingLF
	// FramingOctet is octet counting: "MSG-LEN SP SYSLOG-MSG".
	FramingOctet
)

// ParseFraming reads "auto", "lf" or "octet".
func ParseFraming(s string) (Framing, error) {
	switch s {
	case "", "auto":
		return FramingAuto, nil
	case "lf", "newline", "non-transparent":
		return FramingLF, nil
	case "octet", "octet-counting":
		return FramingOctet, nil
	}
	return 0, fmt.Errorf("framing %q: want auto, lf or octet", s)
}

// DefaultMaxMessage is the largest message accepted by default (64 KiB, as
// rsyslog and syslog-ng accept; RFC 5425 asks for at least 2 KiB, 8 KiB recommended).
const DefaultMaxMessage = 64 << 10

// FrameError is a recoverable framing problem: the offending message was
// skipped and the stream can be read on. Reason is a short label for counters.
type FrameError struct {
	Reason string // "too_long", "bad_length"
	Detail string
}

func (e *FrameError) Error() string { return "frame " + e.Reason + ": " + e.Detail }

// Framer splits a byte stream into messages. It is not safe for concurrent use.
type Framer struct {
	r    *bufio.Reader
	mode Framing
	max  int
	buf  []byte // holds a message longer than the bufio buffer
}

// NewFramer returns a framer over r that accepts messages up to max bytes
// (DefaultMaxMessage when max <= 0).
func NewFramer(r io.Reader, mode Framing, max int) *Framer {
	if max <= 0 {
		max = DefaultMaxMessage
	}
	size := 64 << 10
	if max < size {
		size = max + 16
		if size < 32 {
			size = 32
		}
	}
	return &Framer{r: bufio.NewReaderSize(r, size), mode: mode, max: max}
}

// Next returns the next message, without its trailer. The slice is valid
// until the next call. Empty lines are skipped. It returns a *FrameError for a
// message it skipped (the caller counts it and calls Next again), io.EOF at a
// clean end of stream, and io.ErrUnexpectedEOF when the stream ends inside an
// octet-counted message. A final LF-framed line without trailer is returned
// as a message.
func (f *Framer) Next() ([]byte, error) {
	for {
		mode := f.mode
		if mode == FramingAuto {
			var err error
			mode, err = f.detect()
			if err != nil {
				return nil, err
			}
		}
		var msg []byte
		var err error
		if mode == FramingOctet {
			msg, err = f.nextOctet()
		} else {
			msg, err = f.nextLF()
		}
		if err != nil {
			return nil, err
		}
		if len(msg) == 0 {
			continue
		}
		return msg, nil
	}
}

// detect peeks at the next message's start.
func (f *Framer) detect() (Framing, error) {
	// Skip stray line ends between messages.
	for {
		b, err := f.r.Peek(1)
		if err != nil {
			return 0, err
		}
		if b[0] != '\n' && b[0] != '\r' {
			break
		}
		f.r.Discard(1)
	}
	p, _ := f.r.Peek(12) // a short peek near the end of stream is fine
	if len(p) == 0 || p[0] < '1' || p[0] > '9' {
		return FramingLF, nil
	}
	for i := 1; i < len(p); i++ {
		switch c := p[i]; {
		case c >= '0' && c <= '9':
			continue
		case c == ' ':
			if i+1 < len(p) && p[i+1] == '<' {
				return FramingOctet, nil
			}
			return FramingLF, nil
		default:
			return FramingLF, nil
		}
	}
	return FramingLF, nil
}

func (f *Framer) nextOctet() ([]byte, error) {
	n := 0
	digits := 0
	for {
		c, err := f.r.ReadByte()
		if err != nil {
			if err == io.EOF && digits > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if c == ' ' && digits > 0 {
			break
		}
		if (c == '\n' || c == '\r') && digits == 0 {
			continue // line ends between messages
		}
		if c < '0' || c > '9' || digits >= 10 {
			// Not an octet count: resynchronise at the next line end.
			if err := f.skipLine(); err != nil && err != io.EOF {
				return nil, err
			}
			return nil, &FrameError{Reason: "bad_length", Detail: fmt.Sprintf("unexpected byte %q in octet count", c)}
		}
		n = n*10 + int(c-'0')
		digits++
	}
	if n > f.max {
		if _, err := f.r.Discard(n); err != nil {
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return nil, &FrameError{Reason: "too_long", Detail: fmt.Sprintf("message of %d bytes exceeds the limit of %d", n, f.max)}
	}
	if n == 0 {
		return nil, nil
	}
	if n <= f.r.Size() {
		b, err := f.r.Peek(n)
		if err != nil {
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		// Copy out so the slice survives the Discard below.
		f.buf = append(f.buf[:0], b...)
		f.r.Discard(n)
		return f.buf, nil
	}
	if cap(f.buf) < n {
		f.buf = make([]byte, n)
	}
	f.buf = f.buf[:n]
	if _, err := io.ReadFull(f.r, f.buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return f.buf, nil
}

func (f *Framer) nextLF() ([]byte, error) {
	chunk, err := f.r.ReadSlice('\n')
	if err == nil {
		msg := trimLineEnd(chunk)
		if len(msg) > f.max {
			return nil, f.tooLong()
		}
		return msg, nil
	}
	// A line longer than the buffer, or the last line of the stream.
	f.buf = append(f.buf[:0], chunk...)
	tooLong := len(f.buf) > f.max+2
	for errors.Is(err, bufio.ErrBufferFull) {
		chunk, err = f.r.ReadSlice('\n')
		if !tooLong {
			f.buf = append(f.buf, chunk...)
			tooLong = len(f.buf) > f.max+2 // room for CR LF
		}
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if err == io.EOF && len(f.buf) == 0 {
		return nil, io.EOF
	}
	if tooLong {
		return nil, f.tooLong()
	}
	msg := trimLineEnd(f.buf)
	if len(msg) > f.max {
		return nil, f.tooLong()
	}
	return msg, nil
}

func (f *Framer) tooLong() error {
	return &FrameError{Reason: "too_long", Detail: fmt.Sprintf("line exceeds the limit of %d bytes", f.max)}
}

// skipLine discards up to and including the next LF.
func (f *Framer) skipLine() error {
	for {
		_, err := f.r.ReadSlice('\n')
		if err == nil {
			return nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

func trimLineEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	// Some senders terminate with NUL as well (older syslog over TCP).
	b = bytes.TrimRight(b, "\x00")
	return b
}

// AppendOctetFrame appends msg to dst with an RFC 6587 octet-counting header.
func AppendOctetFrame(dst, msg []byte) []byte {
	dst = fmt.Appendf(dst, "%d ", len(msg))
	return append(dst, msg...)
}
