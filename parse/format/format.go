// Package format splits the payload formats devices send into fields: CEF,
// LEEF 1.0/2.0, key=value, CSV, JSON and web access logs (NCSA common and
// combined, W3C extended). Parsers here know nothing of vendors or ECS; they
// return the fields as sent, sharing the input's memory where they can.
package format

import "strings"

// Pair is one key/value field. Bare is set for a token that had no '='
// (netfilter flags such as "DF" or "SYN").
type Pair struct {
	Key   string
	Value string
	Bare  bool
}

// Pairs is an ordered list of fields.
type Pairs []Pair

// Get returns the value of the first field named key.
func (ps Pairs) Get(key string) (string, bool) {
	for i := range ps {
		if ps[i].Key == key && !ps[i].Bare {
			return ps[i].Value, true
		}
	}
	return "", false
}

// Has reports whether key occurs (with or without a value).
func (ps Pairs) Has(key string) bool {
	for i := range ps {
		if ps[i].Key == key {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r < 128 && isSpace(byte(r)) })
}
