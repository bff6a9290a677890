package parse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"bianque"
	"bianque/event"
	"bianque/parse/format"
	"bianque/parse/syslog"
)

// Options configures a Parser.
type Options struct {
	// Clock gives the reference time when a hint has no ReceivedAt.
	Clock bianque.Clock
	// DropOriginal leaves event.original out (it is kept by default).
	DropOriginal bool
	// Fallback normalizes records no vendor claims; nil uses Generic.
	Fallback func(r *Record, e *event.Event) error
}

// Parser parses and normalizes messages with the vendors of a registry. It
// is safe for concurrent use.
type Parser struct {
	reg  *Registry
	opts Options
}

// NewParser returns a parser over reg.
func NewParser(reg *Registry, opts Options) *Parser {
	if opts.Clock == nil {
		opts.Clock = bianque.SystemClock{}
	}
	if opts.Fallback == nil {
		opts.Fallback = Generic
	}
	return &Parser{reg: reg, opts: opts}
}

// Registry returns the parser's registry.
func (p *Parser) Registry() *Registry { return p.reg }

// ErrEmpty reports an empty message.
var ErrEmpty = errors.New("empty message")

// Parse decodes, splits and normalizes one message. The error is a
// bianque.EINVALID error for input that cannot be read (empty, unknown
// vendor or charset); a vendor that fails on its own message returns its
// error wrapped, and the event (with the common fields) is still returned
// so the caller can store it as a dead letter with the reason.
func (p *Parser) Parse(raw []byte, hint Hint) (*event.Event, error) {
	rec, v, err := p.Split(raw, hint)
	if err != nil {
		return nil, err
	}
	return p.Normalize(rec, v)
}

// Split decodes raw and splits it into a Record, and picks the vendor (nil
// when none claims it).
func (p *Parser) Split(raw []byte, hint Hint) (*Record, *Vendor, error) {
	var v *Vendor
	if hint.Vendor != "" {
		var ok bool
		v, ok = p.reg.Lookup(hint.Vendor)
		if !ok {
			return nil, nil, bianque.Errorf(bianque.EINVALID, "unknown vendor %q (see --list-vendors)", hint.Vendor)
		}
	}
	fallback := ""
	if v != nil {
		fallback = v.Charset
	}
	s, err := Decode(raw, hint.Charset, fallback)
	if err != nil {
		return nil, nil, bianque.WrapError(bianque.EINVALID, err, "decode message")
	}
	s = strings.TrimRight(s, "\r\n\x00")
	if strings.TrimSpace(s) == "" {
		return nil, nil, bianque.WrapError(bianque.EINVALID, ErrEmpty, "parse")
	}
	rec := &Record{Original: s, Hint: hint, Now: hint.ReceivedAt}
	if rec.Now.IsZero() {
		rec.Now = p.opts.Clock.Now()
	}
	SplitRecord(rec)
	if v == nil {
		v, _ = p.reg.Detect(rec)
	}
	return rec, v, nil
}

// SplitRecord fills the syslog header, body and payload fields of a record
// whose Original, Hint and Now are set.
func SplitRecord(rec *Record) {
	s := rec.Original
	rec.Body = s
	f := rec.Hint.Format
	if f != FormatJSON && f != FormatXML && f != FormatW3C && !startsJSON(s) {
		if m, err := syslog.Parse(s, syslog.Options{Location: rec.Location(), Reference: rec.Now}); err == nil && (m.HasPriority || m.HasTimestamp) {
			rec.Syslog = m
			rec.Body = m.Message
		}
	}
	if f == FormatAuto {
		f = DetectFormat(rec.Body)
	}
	rec.Format = f
	body := rec.Body
	switch f {
	case FormatCEF:
		if i := format.FindCEF(body); i > 0 {
			body = body[i:]
		}
		if c, err := format.ParseCEF(body); err == nil {
			rec.CEF = c
			rec.Pairs = c.Extensions
		} else {
			rec.Format = FormatText
		}
	case FormatLEEF:
		if i := format.FindLEEF(body); i > 0 {
			body = body[i:]
		}
		if l, err := format.ParseLEEF(body); err == nil {
			rec.LEEF = l
			rec.Pairs = l.Attributes
		} else {
			rec.Format = FormatText
		}
	case FormatJSON:
		j := body
		if i := strings.IndexByte(j, '{'); i > 0 {
			j = j[i:]
		}
		if m, err := DecodeJSON(j); err == nil {
			rec.JSON = m
		} else {
			rec.Format = FormatText
		}
	case FormatKV:
		rec.Pairs = format.ParseKV(body, format.KVOptions{}, make(format.Pairs, 0, strings.Count(body, "=")+4))
	case FormatCSV:
		rec.CSV = format.SplitCSV(body, ',', nil)
	case FormatAccess:
		if a, err := format.ParseAccessLog(body); err == nil {
			rec.Access = a
		} else {
			rec.Format = FormatText
		}
	case FormatW3C:
		if w, err := format.ParseW3C(body, rec.Hint.Fields); err == nil {
			rec.Pairs = make(format.Pairs, 0, len(w.Fields))
			for i, f := range w.Fields {
				if v := w.Values[i]; v != "-" {
					rec.Pairs = append(rec.Pairs, format.Pair{Key: f, Value: strings.ReplaceAll(v, "+", " ")})
				}
			}
		} else {
			rec.Format = FormatText
		}
	}
}

func startsJSON(s string) bool {
	s = strings.TrimLeft(s, " \t\ufeff")
	return strings.HasPrefix(s, "{")
}

// DetectFormat guesses the payload format of body.
func DetectFormat(body string) Format {
	b := strings.TrimLeft(body, " \t")
	switch {
	case b == "":
		return FormatText
	case b[0] == '{':
		return FormatJSON
	case strings.HasPrefix(b, "<Event") || strings.HasPrefix(b, "<?xml"):
		return FormatXML
	case format.FindCEF(b) >= 0 && format.FindCEF(b) < 64:
		return FormatCEF
	case strings.HasPrefix(b, "LEEF:") || (format.FindLEEF(b) >= 0 && format.FindLEEF(b) < 64):
		return FormatLEEF
	case strings.HasPrefix(b, "0|") && strings.Count(b, "|") >= 7:
		return FormatCEF
	case (strings.HasPrefix(b, "1.0|") || strings.HasPrefix(b, "2.0|")) && strings.Count(b, "|") >= 5:
		return FormatLEEF
	}
	if looksLikeAccessLog(b) {
		return FormatAccess
	}
	if format.LooksLikeKV(b, 3) {
		return FormatKV
	}
	if looksLikeCSV(b) {
		return FormatCSV
	}
	return FormatText
}

// looksLikeCSV wants at least eight short comma-separated fields up front.
func looksLikeCSV(b string) bool {
	n, last := 0, 0
	for i := 0; i < len(b) && n < 8; i++ {
		switch b[i] {
		case ',':
			if i-last > 48 {
				return false
			}
			n++
			last = i + 1
		case '=', '"', '{':
			if n < 3 {
				return false
			}
		}
	}
	return n >= 8
}

// looksLikeAccessLog spots `... - user [dd/Mon/yyyy:hh:mm:ss zone] "`.
func looksLikeAccessLog(b string) bool {
	i := strings.Index(b, " [")
	if i < 0 || i > 200 || i+30 > len(b) {
		return false
	}
	t := b[i+2:]
	if len(t) > 1 && t[1] == '/' {
		t = "0" + t // single-digit day
	}
	return len(t) > 27 && t[2] == '/' && t[6] == '/' && t[11] == ':' && strings.Contains(t[20:min(len(t), 32)], "] \"")
}

// Normalize builds the event of rec with vendor v (nil: the fallback).
func (p *Parser) Normalize(rec *Record, v *Vendor) (*event.Event, error) {
	e := event.New(48)
	if !p.opts.DropOriginal {
		e.Set(event.EventOriginal, rec.Original)
	}
	SetCommon(rec, e)
	var err error
	if v != nil {
		if v.Observer.Vendor != "" {
			e.Set(event.ObserverVendor, v.Observer.Vendor)
		}
		if v.Observer.Product != "" {
			e.Set(event.ObserverProduct, v.Observer.Product)
		}
		if v.Observer.Type != "" {
			e.Set(event.ObserverType, v.Observer.Type)
		}
		err = v.Normalize(rec, e)
		if err != nil {
			err = fmt.Errorf("normalize %s: %w", v.ID, err)
		}
	} else {
		err = p.opts.Fallback(rec, e)
	}
	if !e.Has(event.Timestamp) {
		if rec.Syslog != nil && rec.Syslog.HasTimestamp {
			e.SetTimestamp(rec.Syslog.Timestamp)
		} else {
			e.SetTimestamp(rec.Now)
		}
	}
	return e, err
}

// SetCommon sets what every event gets from its record: the message, the
// syslog header (log.syslog.*), @timestamp from the header, and the sender.
func SetCommon(rec *Record, e *event.Event) {
	e.Set(event.Message, rec.Body)
	if m := rec.Syslog; m != nil {
		if m.HasPriority {
			e.Set("log.syslog.priority", int64(m.Priority))
			e.Set("log.syslog.facility.code", int64(m.Facility()))
			e.Set("log.syslog.severity.code", int64(m.Severity()))
			if f := m.Facility(); int(f) < len(syslog.FacilityNames) {
				e.Set("log.syslog.facility.name", syslog.FacilityNames[f])
			}
			e.Set("log.syslog.severity.name", syslog.SeverityNames[m.Severity()])
		}
		if m.Format == syslog.FormatRFC5424 {
			e.Set("log.syslog.version", strconv.Itoa(int(m.Version)))
		}
		if m.Hostname != "" {
			e.Set("log.syslog.hostname", m.Hostname)
		}
		if m.Appname != "" {
			e.Set("log.syslog.appname", m.Appname)
		}
		if m.ProcID != "" {
			e.Set("log.syslog.procid", m.ProcID)
		}
		if m.MsgID != "" {
			e.Set("log.syslog.msgid", m.MsgID)
		}
		if len(m.StructuredData) > 0 {
			sd := make(map[string]any, len(m.StructuredData))
			for _, el := range m.StructuredData {
				params := make(map[string]any, len(el.Params))
				for _, p := range el.Params {
					params[p.Name] = p.Value
				}
				sd[el.ID] = params
			}
			e.Set("log.syslog.structured_data", sd)
		}
		if m.HasTimestamp {
			e.SetTimestamp(m.Timestamp)
		}
	}
	if rec.Hint.Sender.IsValid() {
		e.Set("observer.ip", []string{rec.Hint.Sender.Unmap().String()})
	}
}

func stringify(v any) (string, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), true
	}
	return event.Stringify(v)
}
