package parse

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// hinted caches the last vendor hint resolved: a registry only gains
	// names, so a name once found keeps its vendor.
	hinted atomic.Pointer[hintedVendor]
}

type hintedVendor struct {
	name string
	v    *Vendor
}

// lookup resolves a vendor hint.
func (p *Parser) lookup(name string) (*Vendor, bool) {
	if h := p.hinted.Load(); h != nil && h.name == name {
		return h.v, true
	}
	v, ok := p.reg.Lookup(name)
	if ok {
		p.hinted.Store(&hintedVendor{name, v})
	}
	return v, ok
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
	rec := recordPool.Get().(*Record)
	defer releaseRecord(rec)
	v, err := p.split(rec, raw, hint)
	if err != nil {
		return nil, err
	}
	return p.Normalize(rec, v)
}

// recordPool holds records for Parse to reuse, with their key=value slices.
var recordPool = sync.Pool{New: func() any { return new(Record) }}

// maxPooledPairs bounds the key=value slice a pooled record keeps.
const maxPooledPairs = 256

// releaseRecord returns rec to the pool. Only the fields split sets
// conditionally are reset: clearing the whole record (or its pairs) would
// cost a write barrier per pointer while the collector marks, and the
// strings it keeps until the next message overwrites them are one
// message's.
func releaseRecord(rec *Record) {
	if cap(rec.pairs) > maxPooledPairs {
		rec.pairs = nil
	}
	rec.Syslog, rec.CEF, rec.LEEF, rec.Pairs, rec.JSON, rec.CSV, rec.Access = nil, nil, nil, nil, nil, nil, nil
	recordPool.Put(rec)
}

// Split decodes raw and splits it into a Record, and picks the vendor (nil
// when none claims it).
func (p *Parser) Split(raw []byte, hint Hint) (*Record, *Vendor, error) {
	rec := new(Record)
	v, err := p.split(rec, raw, hint)
	if err != nil {
		return nil, nil, err
	}
	return rec, v, nil
}

// split is Split into rec, a new record or one releaseRecord reset.
func (p *Parser) split(rec *Record, raw []byte, hint Hint) (*Vendor, error) {
	var v *Vendor
	if hint.Vendor != "" {
		var ok bool
		v, ok = p.lookup(hint.Vendor)
		if !ok {
			return nil, bianque.Errorf(bianque.EINVALID, "unknown vendor %q (see --list-vendors)", hint.Vendor)
		}
	}
	fallback := ""
	if v != nil {
		fallback = v.Charset
	}
	s, err := Decode(raw, hint.Charset, fallback)
	if err != nil {
		return nil, bianque.WrapError(bianque.EINVALID, err, "decode message")
	}
	s = trimEnd(s)
	if strings.TrimSpace(s) == "" {
		return nil, bianque.WrapError(bianque.EINVALID, ErrEmpty, "parse")
	}
	rec.Original, rec.Hint, rec.Now, rec.Body, rec.Format = s, hint, hint.ReceivedAt, "", FormatAuto
	if rec.Now.IsZero() {
		rec.Now = p.opts.Clock.Now()
	}
	SplitRecord(rec)
	if v == nil {
		v, _ = p.reg.Detect(rec)
	}
	return v, nil
}

// SplitRecord fills the syslog header, body and payload fields of a record
// whose Original, Hint and Now are set.
func SplitRecord(rec *Record) {
	s := rec.Original
	rec.Body = s
	f := rec.Hint.Format
	if f != FormatJSON && f != FormatXML && f != FormatW3C && !startsJSON(s) {
		m := &rec.header
		if ok, err := syslog.ParseTo(m, s, syslog.Options{Location: rec.Location(), Reference: rec.Now}); ok && err == nil && (m.HasPriority || m.HasTimestamp) {
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
		dst := rec.pairs[:0] // a pooled record's, grown by appending if short
		if cap(dst) == 0 {
			dst = make(format.Pairs, 0, strings.Count(body, "=")+4)
		}
		rec.Pairs = format.ParseKV(body, format.KVOptions{}, dst)
		rec.pairs = rec.Pairs
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

// trimBlanks drops leading spaces and tabs.
func trimBlanks(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return s[i:]
}

// trimEnd drops the line ends and NULs a message ends with.
func trimEnd(s string) string {
	n := len(s)
	for n > 0 && (s[n-1] == '\n' || s[n-1] == '\r' || s[n-1] == 0) {
		n--
	}
	return s[:n]
}

func startsJSON(s string) bool {
	for {
		if len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
			s = s[1:]
		} else if strings.HasPrefix(s, "\ufeff") {
			s = s[3:]
		} else {
			break
		}
	}
	return strings.HasPrefix(s, "{")
}

// DetectFormat guesses the payload format of body.
func DetectFormat(body string) Format {
	b := trimBlanks(body)
	switch {
	case b == "":
		return FormatText
	case b[0] == '{':
		return FormatJSON
	case strings.HasPrefix(b, "<Event") || strings.HasPrefix(b, "<?xml"):
		return FormatXML
	case isCEFAt(b):
		return FormatCEF
	case strings.HasPrefix(b, "LEEF:") || strings.Contains(b[:min(len(b), 68)], "LEEF:"):
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

// isCEFAt reports whether a CEF header starts within the first 64 bytes;
// only the head is searched, so long messages of other formats cost nothing.
func isCEFAt(b string) bool {
	i := format.FindCEF(b[:min(len(b), 96)])
	return i >= 0 && i < 64
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

// indexSpaceBracket is strings.Index(s, " ["), searching for the rarer '['.
func indexSpaceBracket(s string) int {
	for off := 0; ; {
		j := strings.IndexByte(s[off:], '[')
		if j < 0 {
			return -1
		}
		if j += off; j > 0 && s[j-1] == ' ' {
			return j - 1
		}
		off = j + 1
	}
}

// looksLikeAccessLog spots `... - user [dd/Mon/yyyy:hh:mm:ss zone] "`.
func looksLikeAccessLog(b string) bool {
	i := indexSpaceBracket(b[:min(len(b), 202)])
	if i < 0 || i+30 > len(b) {
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
		e.SetStringKey(keyOriginal, rec.Original)
	}
	SetCommon(rec, e)
	var err error
	if v != nil {
		e.SetStringKey(keyObserverVendor, v.Observer.Vendor)
		e.SetStringKey(keyObserverProduct, v.Observer.Product)
		e.SetStringKey(keyObserverType, v.Observer.Type)
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

// Keys of the fields every event gets, hashed once.
var (
	keyOriginal        = event.NewKey(event.EventOriginal)
	keyMessage         = event.NewKey(event.Message)
	keyObserverVendor  = event.NewKey(event.ObserverVendor)
	keyObserverProduct = event.NewKey(event.ObserverProduct)
	keyObserverType    = event.NewKey(event.ObserverType)
	keyPriority        = event.NewKey("log.syslog.priority")
	keyFacilityCode    = event.NewKey("log.syslog.facility.code")
	keySeverityCode    = event.NewKey("log.syslog.severity.code")
	keyFacilityName    = event.NewKey("log.syslog.facility.name")
	keySeverityName    = event.NewKey("log.syslog.severity.name")
)

// SetCommon sets what every event gets from its record: the message, the
// syslog header (log.syslog.*), @timestamp from the header, and the sender.
func SetCommon(rec *Record, e *event.Event) {
	if rec.Body == "" {
		e.Set(event.Message, "")
	} else {
		e.SetStringKey(keyMessage, rec.Body)
	}
	if m := rec.Syslog; m != nil {
		if m.HasPriority {
			e.SetIntKey(keyPriority, int64(m.Priority))
			e.SetIntKey(keyFacilityCode, int64(m.Facility()))
			e.SetIntKey(keySeverityCode, int64(m.Severity()))
			if f := m.Facility(); int(f) < len(syslog.FacilityNames) {
				e.SetStringKey(keyFacilityName, syslog.FacilityNames[f])
			}
			e.SetStringKey(keySeverityName, syslog.SeverityNames[m.Severity()])
		}
		if m.Format == syslog.FormatRFC5424 {
			e.SetString("log.syslog.version", strconv.Itoa(int(m.Version)))
		}
		e.SetString("log.syslog.hostname", m.Hostname)
		e.SetString("log.syslog.appname", m.Appname)
		e.SetString("log.syslog.procid", m.ProcID)
		e.SetString("log.syslog.msgid", m.MsgID)
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
