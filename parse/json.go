package parse

import (
	"bytes"
	"encoding/json"
	"strings"
)

// DecodeJSON decodes one JSON object. Numbers become float64, except integers
// beyond float64 precision, which stay json.Number text via UseNumber.
func DecodeJSON(s string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	normalizeNumbers(m)
	return m, nil
}

func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			x[k] = normalizeNumbers(el)
		}
	case []any:
		for i, el := range x {
			x[i] = normalizeNumbers(el)
		}
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	}
	return v
}

// JSONPath returns the member at a dotted path ("a.b.c"). A key that itself
// contains dots is found too ("a.b" as one key).
func JSONPath(m map[string]any, path string) (any, bool) {
	if v, ok := m[path]; ok {
		return v, true
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		sub, ok := m[path[:i]].(map[string]any)
		if !ok {
			continue
		}
		if v, ok := JSONPath(sub, path[i+1:]); ok {
			return v, true
		}
	}
	return nil, false
}

// JSONString returns the member at path as text.
func JSONString(m map[string]any, path string) (string, bool) {
	v, ok := JSONPath(m, path)
	if !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case map[string]any, []any:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return "", false
		}
		return strings.TrimSuffix(b.String(), "\n"), true
	}
	s, ok := stringify(v)
	return s, ok
}

// Flatten calls fn for every leaf of m with its dotted path.
func Flatten(m map[string]any, fn func(path string, v any)) {
	flatten("", m, fn)
}

func flatten(prefix string, m map[string]any, fn func(string, any)) {
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			flatten(p, sub, fn)
			continue
		}
		fn(p, v)
	}
}
