// Package syslog parses syslog message headers: RFC 5424 strictly (with the
// best-effort partial result a strict parser can still give) and RFC 3164
// leniently, accepting the deviations real devices send (no PRI, years and
// fractions in the timestamp, RFC 3339 timestamps, Cisco IOS message counters
// and sequence numbers, missing hostnames or tags). It also frames streams
// (RFC 6587 octet counting and non-transparent framing).
package syslog

import (
	"fmt"
	"time"
)

// Format tells which header grammar a message was read with.
type Format uint8

const (
	FormatNone    Format = iota // no syslog header found
	FormatRFC5424               // <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG
	FormatRFC3164               // <PRI>TIMESTAMP HOSTNAME TAG: MSG and its real-world variants
)

func (f Format) String() string {
	switch f {
	case FormatRFC5424:
		return "rfc5424"
	case FormatRFC3164:
		return "rfc3164"
	}
	return "none"
}

// Param is one structured-data parameter.
type Param struct {
	Name  string
	Value string
}

// Element is one RFC 5424 structured-data element.
type Element struct {
	ID     string
	Params []Param
}

// Message is a parsed syslog header and its message part. String fields are
// empty when the header had the nil value ("-") or lacked the part; the Has*
// flags tell presence where zero is a valid value.
type Message struct {
	Format Format

	HasPriority bool
	Priority    uint8 // facility*8 + severity
	Version     uint16

	HasTimestamp bool
	Timestamp    time.Time
	// TimestampHasYear and TimestampHasZone say whether the device sent them;
	// when not, the parser filled them from its options.
	TimestampHasYear bool
	TimestampHasZone bool

	Hostname string
	Appname  string
	ProcID   string
	MsgID    string

	StructuredData []Element

	// Cisco IOS prefixes (RFC 3164 variants).
	HasMessageCounter bool
	MessageCounter    uint64
	HasSequence       bool
	Sequence          uint64

	HasMessage bool
	Message    string
}

// Facility returns the facility code (0-23).
func (m *Message) Facility() uint8 { return m.Priority / 8 }

// Severity returns the severity code (0-7).
func (m *Message) Severity() uint8 { return m.Priority % 8 }

// Element returns the structured-data element with the given id.
func (m *Message) Element(id string) (*Element, bool) {
	for i := range m.StructuredData {
		if m.StructuredData[i].ID == id {
			return &m.StructuredData[i], true
		}
	}
	return nil, false
}

// FacilityNames and SeverityNames are the RFC 5424 keywords.
var (
	FacilityNames = [24]string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
		"authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3",
		"local4", "local5", "local6", "local7"}
	SeverityNames = [8]string{"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"}
)

// Error is a syslog parse error at a byte column of the input.
type Error struct {
	Msg string
	Col int
}

func (e *Error) Error() string { return fmt.Sprintf("%s [col %d]", e.Msg, e.Col) }

func errAt(msg string, col int) *Error { return &Error{Msg: msg, Col: col} }
