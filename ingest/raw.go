// Package ingest receives what hospitals' devices send and hands it, durably,
// to the processing pipeline: syslog over UDP, TCP and TLS (LF framing and
// RFC 6587 octet counting), HTTP JSON/NDJSON batches from token-authenticated
// components, tailed files on the collector, and batches forwarded by
// collectors over mutual TLS. It also holds the collector's spool forwarder,
// the server's batch deduplication and the enrolment protocol.
//
// Every message becomes a Raw record on the queue. Nothing is dropped
// silently: oversize or malformed frames, rejected requests and kernel UDP
// drops are counted in Prometheus metrics (see Metrics).
package ingest

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Transports a Raw record can arrive by.
const (
	TransportUDP       = "udp"
	TransportTCP       = "tcp"
	TransportTLS       = "tls"
	TransportHTTP      = "http"
	TransportFile      = "file"
	TransportCollector = "collector"
)

// Raw is one received message with where and when it came from: the record
// that travels through the queue from a receiver to the pipeline.
type Raw struct {
	// ID becomes the event's event.id. It is deterministic for anything that
	// can be delivered twice (collector batches, HTTP batches with a batch
	// id), so a redelivery is stored once.
	ID          string
	TenantID    string
	ComponentID string
	Received    time.Time
	Transport   string
	// Peer is the remote address, or the file path for tailed files.
	Peer string
	// Hint names the vendor or format when known ("fortigate", "cef").
	Hint string
	Data []byte
}

const rawVersion = 1

// AppendRaw appends the binary encoding of r to dst.
func AppendRaw(dst []byte, r *Raw) []byte {
	dst = append(dst, rawVersion)
	dst = appendString(dst, r.ID)
	dst = appendString(dst, r.TenantID)
	dst = appendString(dst, r.ComponentID)
	dst = binary.AppendVarint(dst, r.Received.UnixNano())
	dst = appendString(dst, r.Transport)
	dst = appendString(dst, r.Peer)
	dst = appendString(dst, r.Hint)
	dst = binary.AppendUvarint(dst, uint64(len(r.Data)))
	return append(dst, r.Data...)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// ErrBadRecord is returned by DecodeRaw for bytes that are not a Raw record.
var ErrBadRecord = errors.New("bad raw record")

// DecodeRaw decodes b into r. r.Data aliases b.
func DecodeRaw(b []byte, r *Raw) error {
	if len(b) == 0 || b[0] != rawVersion {
		return fmt.Errorf("%w: unknown version", ErrBadRecord)
	}
	d := decoder{b: b[1:]}
	r.ID = d.str()
	r.TenantID = d.str()
	r.ComponentID = d.str()
	ns := d.varint()
	r.Transport = d.str()
	r.Peer = d.str()
	r.Hint = d.str()
	r.Data = d.bytes()
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrBadRecord, len(d.b))
	}
	r.Received = time.Unix(0, ns).UTC()
	return nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad length", ErrBadRecord)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad time", ErrBadRecord)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%w: field of %d bytes overruns the record", ErrBadRecord, n)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string { return string(d.bytes()) }

// idEncoding matches the alphabet of bianque.NewID, so derived event IDs look
// and sort like every other ID of the platform.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// DeriveID returns a deterministic 26-character ID: the received time in
// milliseconds (so IDs sort by arrival, like bianque.NewID) followed by 64
// bits of SHA-256 over the parts. The same parts always give the same ID,
// which makes redelivered events idempotent at the event store.
func DeriveID(received time.Time, parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	sum := h.Sum(nil)
	var ms uint64
	if !received.IsZero() {
		ms = uint64(received.UnixMilli())
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], ms<<16|uint64(binary.BigEndian.Uint16(sum[8:10])))
	copy(b[8:], sum[:8])
	return idEncoding.EncodeToString(b[:])
}

// IDTime returns the millisecond time an ID made by bianque.NewID or
// DeriveID carries in its first 48 bits, or the zero time for anything else.
func IDTime(id string) time.Time {
	if len(id) != 26 {
		return time.Time{}
	}
	b, err := idEncoding.DecodeString(id)
	if err != nil || len(b) != 16 {
		return time.Time{}
	}
	ms := binary.BigEndian.Uint64(b[0:8]) >> 16
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ms)).UTC()
}
