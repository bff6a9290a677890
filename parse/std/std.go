// Package std assembles the parser with every vendor normalizer the
// project ships. The ingest pipeline and the CLI use it:
//
//	p := std.NewParser(parse.Options{Clock: clock})
//	ev, err := p.Parse(raw, parse.Hint{Vendor: "fortigate", ReceivedAt: now})
package std

import (
	"sync"

	"bianque/parse"
	"bianque/parse/cnvendors"
	"bianque/parse/vendors"
)

var (
	once sync.Once
	reg  *parse.Registry
)

// providers register the vendors of each package. Vendor families kept in
// their own package (e.g. the Chinese vendors in parse/vendors/cn) add
// their Register here; detection order across packages follows
// Vendor.Priority.
var providers = []func(*parse.Registry){
	vendors.Register,
	cnvendors.Register,
}

// Registry returns the registry of all shipped vendors (built once).
func Registry() *parse.Registry {
	once.Do(func() {
		reg = parse.NewRegistry()
		for _, register := range providers {
			register(reg)
		}
	})
	return reg
}

// NewParser returns a parser over Registry().
func NewParser(opts parse.Options) *parse.Parser { return parse.NewParser(Registry(), opts) }
