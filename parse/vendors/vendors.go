// Package vendors holds the vendor normalizers: one file per product, each
// contributing a *parse.Vendor (declarative mappings in mappings/*.yaml, or
// Go code for free-text grammars). Register adds them in detection order:
// products with distinctive markers first, those recognised by weaker
// signs (a syslog program name, an access-log shape) last.
package vendors

import (
	"slices"

	"bianque/parse"
)

// all collects the vendors of this package (each file appends in init).
var all []*parse.Vendor

// detectOrder ranks vendors for detection; vendors not listed come after,
// in id order.
var detectOrder = []string{
	"cisco-asa", "fortinet-fortigate", "paloalto-ngfw", "checkpoint", "sophos-firewall", "sonicwall",
	"huawei-usg", "juniper-srx", "suricata", "windows", "pf", "netfilter", "squid", "bind", "nginx", "apache", "linux",
}

// Vendors returns the vendors in detection order.
func Vendors() []*parse.Vendor {
	out := slices.Clone(all)
	rank := func(id string) int {
		if i := slices.Index(detectOrder, id); i >= 0 {
			return i
		}
		return len(detectOrder)
	}
	slices.SortStableFunc(out, func(a, b *parse.Vendor) int {
		if ra, rb := rank(a.ID), rank(b.ID); ra != rb {
			return ra - rb
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return out
}

// Register adds every vendor to r in detection order.
func Register(r *parse.Registry) {
	r.MustRegister(Vendors()...)
}
