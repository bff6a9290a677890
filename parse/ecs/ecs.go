// Package ecs knows the fields of the Elastic Common Schema: their names,
// datatypes and whether they hold arrays. Normalizers use it to coerce values
// to the ECS type of the field they fill; the corpus harness uses it to decide
// which expected fields are ECS fields.
//
// The table is generated from the ECS field definitions (Apache License 2.0,
// Elasticsearch B.V.); see gen/.
package ecs

import "strings"

//go:generate go run ./gen -in ecs_flat.yml -version 9.4.0 -out fields_gen.go

// Type is an ECS datatype, folded to what matters for values.
type Type uint8

const (
	Unknown  Type = iota
	Keyword       // keyword, constant_keyword, wildcard
	Text          // match_only_text, text
	Long          // long, integer, ...
	Float         // float, double, scaled_float
	Boolean       // boolean
	Date          // date
	IP            // ip
	GeoPoint      // geo_point
	Object        // object, flattened: free-form below
	Nested        // nested: array of objects
)

func (t Type) String() string {
	return [...]string{"unknown", "keyword", "text", "long", "float", "boolean", "date", "ip", "geo_point", "object", "nested"}[t]
}

// Field describes one ECS field.
type Field struct {
	Type  Type
	Array bool // ECS normalises the field to an array
}

// Lookup returns the definition of the ECS field name (a flat dotted name).
func Lookup(name string) (Field, bool) {
	f, ok := fields[name]
	return f, ok
}

// IsField reports whether name is an ECS field, or lies below an ECS field of
// type object/flattened/nested (e.g. "labels.env", "dns.answers.data").
func IsField(name string) bool {
	if _, ok := fields[name]; ok {
		return true
	}
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		if f, ok := fields[name[:i]]; ok {
			return f.Type == Object || f.Type == Nested
		}
	}
	return false
}

// TypeOf returns the type of name, Unknown for non-ECS fields.
func TypeOf(name string) Type {
	if f, ok := fields[name]; ok {
		return f.Type
	}
	return Unknown
}

// Count returns the number of fields in the table.
func Count() int { return len(fields) }
