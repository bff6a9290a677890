// Package parse turns raw log messages into normalized ECS events.
//
// A message goes through four steps: character-set decoding (UTF-8, or
// GB18030/GBK as Chinese devices send), the syslog header (RFC 5424 or RFC
// 3164 and its variants, package syslog), the payload format (CEF, LEEF, JSON,
// key=value, CSV, access logs, package format) and a vendor normalizer that
// maps the fields to ECS. Vendors live in a Registry keyed by id with aliases;
// each says how to recognise its messages, so the format and vendor are
// detected when the sender gives no hint.
//
// The pipeline calls Parser.Parse once per message. Vendors are added with
// Registry.Register: declaratively (a Mapping, usually from YAML) or in Go.
package parse

import (
	"net/netip"
	"time"

	"bianque/event"
	"bianque/parse/format"
	"bianque/parse/syslog"
)

// Format names a payload format.
type Format string

// Payload formats.
const (
	FormatAuto   Format = ""       // detect
	FormatCEF    Format = "cef"    // ArcSight Common Event Format
	FormatLEEF   Format = "leef"   // IBM LEEF 1.0 / 2.0
	FormatJSON   Format = "json"   // one JSON object
	FormatKV     Format = "kv"     // key=value pairs
	FormatCSV    Format = "csv"    // comma-separated values (PAN-OS, pf)
	FormatAccess Format = "access" // NCSA common / combined web access log
	FormatW3C    Format = "w3c"    // W3C extended log (IIS)
	FormatXML    Format = "xml"    // Windows event XML
	FormatText   Format = "text"   // free text (the vendor's grammar)
)

// Formats lists the payload formats a hint may name.
var Formats = []Format{FormatCEF, FormatLEEF, FormatJSON, FormatKV, FormatCSV, FormatAccess, FormatW3C, FormatXML, FormatText}

// Hint is what the receiver knows about a message besides its bytes. Every
// field is optional.
type Hint struct {
	// Vendor is a vendor id or alias (see Registry.Lookup); empty to detect.
	Vendor string
	// Format forces the payload format; empty to detect.
	Format Format
	// Location is the device's time zone, for timestamps sent without an
	// offset. Nil means UTC.
	Location *time.Location
	// ReceivedAt is when the receiver got the message; it completes
	// timestamps without a year and stands in for a missing timestamp.
	ReceivedAt time.Time
	// Sender is the address the message came from.
	Sender netip.Addr
	// Charset names the input encoding ("utf-8", "gb18030", "gbk"); empty
	// means UTF-8 when valid, else the vendor's charset or GB18030.
	Charset string
	// Fields names the columns of W3C extended logs (the file's #Fields
	// directive); nil means the IIS default fields.
	Fields []string
}

// Record is a message split into its parts, handed to normalizers.
type Record struct {
	// Original is the whole message, decoded to UTF-8.
	Original string
	// Syslog is the syslog header, nil when the message had none.
	Syslog *syslog.Message
	// Body is the payload after the syslog header.
	Body string
	// Format is the payload format found (or forced by the hint).
	Format Format

	CEF    *format.CEF
	LEEF   *format.LEEF
	Pairs  format.Pairs // key=value fields (also CEF extensions, LEEF attributes)
	JSON   map[string]any
	CSV    []string
	Access *format.AccessLog

	Hint Hint
	// Now is the reference time: Hint.ReceivedAt or the parser's clock.
	Now time.Time

	// header backs Syslog and pairs the key=value fields, so that a record
	// (and, when Parser.Parse reuses it, the next one) splits without
	// allocating them.
	header syslog.Message
	pairs  format.Pairs
}

// Location returns the device time zone (UTC when not hinted).
func (r *Record) Location() *time.Location {
	if r.Hint.Location != nil {
		return r.Hint.Location
	}
	return time.UTC
}

// Get returns the value of a key=value field, CEF extension or LEEF
// attribute, or a JSON member by dotted path.
func (r *Record) Get(key string) (string, bool) {
	if r.JSON != nil {
		v, ok := JSONPath(r.JSON, key)
		if !ok {
			return "", false
		}
		s, ok := event.Stringify(v)
		return s, ok
	}
	return r.Pairs.Get(key)
}

// Observer describes the device that produced the events of a vendor.
type Observer struct {
	Vendor  string // observer.vendor
	Product string // observer.product
	Type    string // observer.type: firewall, ids, proxy, ...
}

// Vendor is a normalizer for one product's logs.
type Vendor struct {
	// ID is the stable identifier ("fortinet-fortigate"); Aliases are other
	// names accepted in hints ("fortigate", "fortios").
	ID      string
	Aliases []string
	// Name is the display name.
	Name string
	// Formats are the payload formats the product sends.
	Formats  []Format
	Observer Observer
	// Charset is the encoding the product uses when it is not UTF-8.
	Charset string
	// Detect reports whether a record comes from this product. It must be
	// cheap and must not modify the record; nil means the vendor is only
	// chosen by hint.
	Detect func(r *Record) bool
	// Normalize fills e from r. Common fields (event.original, message, the
	// syslog header, @timestamp fallback) are set before it runs. The
	// record is reused once Normalize returns: e may hold its strings but
	// nothing must keep r, its Syslog header or its Pairs slice.
	Normalize func(r *Record, e *event.Event) error
	// Verified says which real samples the normalizer was checked against.
	Verified string
	// Priority orders detection across vendors of all packages: lower runs
	// first, equal priorities keep registration order. Vendors recognised by
	// weak signs only (a syslog program name, a generic log shape) use
	// PriorityWeak so that vendors with distinctive markers, wherever they
	// are registered, are tried before them.
	Priority int
}

// PriorityWeak is the Priority of vendors detected by weak signs.
const PriorityWeak = 100
