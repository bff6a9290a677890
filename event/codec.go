package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MarshalJSON writes the event as nested ECS JSON with keys sorted at every
// level, so that the same event always serialises to the same bytes. When a
// key is both a value and a prefix of other keys ("a" and "a.b"), the deeper
// keys are written dotted beside it ("a": 1, "a.b": 2), which ECS readers accept.
func (e *Event) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(64 * len(e.fields))
	if err := e.AppendJSON(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// AppendJSON writes the event's JSON to buf.
func (e *Event) AppendJSON(buf *bytes.Buffer) error {
	var stack [64]field
	fs := append(stack[:0], e.fields...)
	slices.SortFunc(fs, func(a, b field) int { return ComparePaths(a.key, b.key) })
	return e.writeObject(buf, fs, 0)
}

// writeObject writes fs[..] (sorted, all sharing the parent prefix of
// length plen) as one JSON object.
func (e *Event) writeObject(buf *bytes.Buffer, fs []field, plen int) error {
	buf.WriteByte('{')
	first := true
	for i := 0; i < len(fs); {
		rest := fs[i].key[plen:]
		seg, _, nested := strings.Cut(rest, ".")
		// Group every key that continues below this segment.
		j := i
		if !nested {
			j = i + 1
		}
		for j < len(fs) && hasSegment(fs[j].key[plen:], seg) {
			j++
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		if !nested && j == i+1 {
			writeString(buf, seg)
			buf.WriteByte(':')
			if err := writeValue(buf, e.value(fs[i].ref)); err != nil {
				return fmt.Errorf("field %s: %w", fs[i].key, err)
			}
			i = j
			continue
		}
		if !nested {
			// "seg" is a value and a prefix of other keys: the value keeps the
			// name and the deeper keys are written dotted at this level, so no
			// key repeats inside one object.
			for k := i; k < j; k++ {
				if k > i {
					buf.WriteByte(',')
				}
				writeString(buf, fs[k].key[plen:])
				buf.WriteByte(':')
				if err := writeValue(buf, e.value(fs[k].ref)); err != nil {
					return fmt.Errorf("field %s: %w", fs[k].key, err)
				}
			}
			i = j
			continue
		}
		writeString(buf, seg)
		buf.WriteByte(':')
		if err := e.writeObject(buf, fs[i:j], plen+len(seg)+1); err != nil {
			return err
		}
		i = j
	}
	buf.WriteByte('}')
	return nil
}

// hasSegment reports whether key starts with seg followed by a dot.
func hasSegment(key, seg string) bool {
	return len(key) > len(seg) && key[len(seg)] == '.' && key[:len(seg)] == seg
}

func writeValue(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case string:
		writeString(buf, x)
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			buf.WriteString("null")
			return nil
		}
		buf.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case time.Time:
		writeString(buf, FormatTime(x))
	case []string:
		buf.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, s)
		}
		buf.WriteByte(']')
	case []any:
		buf.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeValue(buf, s); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeValue(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case nil:
		buf.WriteString("null")
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string; invalid UTF-8 becomes U+FFFD. HTML
// characters are not escaped, so logs read as they were sent.
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				buf.WriteByte('\\')
				buf.WriteByte(c)
			case '\n':
				buf.WriteString(`\n`)
			case '\r':
				buf.WriteString(`\r`)
			case '\t':
				buf.WriteString(`\t`)
			default:
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[c>>4])
				buf.WriteByte(hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(s[start:i])
			buf.WriteString(`\ufffd`)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf.WriteString(s[start:i])
			buf.WriteString(`\u202`)
			buf.WriteByte(hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}

// UnmarshalJSON reads a nested (or flat dotted) JSON object into the event.
// Numbers become int64 when integral and float64 otherwise; @timestamp
// becomes a time.Time when it is RFC 3339.
func (e *Event) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("decode event json: %w", err)
	}
	e.flatten("", false, m, true)
	if s, ok := e.get(Timestamp).(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			e.SetTimestamp(t)
		}
	}
	return nil
}

// Parse decodes one JSON event.
func Parse(b []byte) (*Event, error) {
	e := New(32)
	if err := e.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return e, nil
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		allStrings := len(x) > 0
		for i, el := range x {
			x[i] = fromJSON(el)
			if _, ok := x[i].(string); !ok {
				allStrings = false
			}
		}
		if allStrings {
			out := make([]string, len(x))
			for i, el := range x {
				out[i] = el.(string)
			}
			return out
		}
		return x
	case map[string]any:
		for k, el := range x {
			x[k] = fromJSON(el)
		}
		return x
	}
	return v
}
