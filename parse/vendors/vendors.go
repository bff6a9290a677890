// Package vendors holds the vendor normalizers: one file per product, each
// contributing a *parse.Vendor (declarative mappings in mappings/*.yaml, or
// Go code for free-text grammars). Register adds them in detection order:
// specific products first, generic ones last.
package vendors

import "bianque/parse"

// all lists the vendors in detection order.
var all []*parse.Vendor

// Register adds every vendor to r.
func Register(r *parse.Registry) {
	r.MustRegister(all...)
}
