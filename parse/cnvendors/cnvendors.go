// Package cnvendors normalizes the logs of the security devices Chinese
// hospitals run — Topsec, Venustech, Sangfor, NSFOCUS, Qi-AnXin/360, H3C,
// Huawei, Hillstone, DBAPPSecurity, DPtech, WebRAY, AsiaInfo,
// Legendsec/Leadsec, Anzhou, Huafoun and others — to ECS.
//
// Each vendor (a brand) is registered as a parse.Vendor. A brand owns one
// or more families: a family is one log format (Topsec's NGTOS key=value
// lines, Sangfor's "fwlog: 日志类型:…" lines, H3C's "%%10MOD/5/NAME:
// Key(1003)=v;" lines, …) with a cheap recogniser and a reader. Readers
// split the payload into fields with the tokenizers in fields.go and hand
// them to a shared key dictionary (roles.go) that knows the many names
// devices give the same thing (src, sip, SrcIP, addr_src, 源IP, 客户端IP);
// the common finishing step turns roles into ECS, translates levels,
// actions and attack types (the vendors' code tables in codes/), classifies
// attacks to an English name and an ATT&CK technique, and sets @timestamp
// in the device's time zone (China Standard Time unless the hint says
// otherwise).
//
// Without a vendor hint a record goes to the first brand whose family
// recognises it; with a hint the brand is fixed and its families are tried
// first, then every other family (OEM devices write another brand's
// format), then a generic reader.
package cnvendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// family is one log format of a brand.
type family struct {
	id    string // "topsec-ngtos"
	owner string // id of the brand that writes it
	// match reports whether a record is in this format; it must be cheap.
	match func(r *parse.Record) bool
	// read extracts the fields into the context (offer/collect) and may set
	// the product, kind and categories.
	read func(c *ctx)

	keys    keyTable // key dictionary; nil: commonKeys
	scale   scale    // numeric levels
	product string   // default observer.product
	otype   string   // default observer.type
	ns      string   // vendor namespace when not the brand's
}

// brand is a vendor as hints and observer.vendor name it.
type brand struct {
	id       string
	name     string
	aliases  []string
	vendor   string // observer.vendor
	ns       string // field namespace for vendor-specific fields
	product  string // observer.product when no family says better
	otype    string
	formats  []parse.Format
	families []*family
	// hinted families are tried only when a hint names the brand: formats
	// that cannot be told from another vendor's (IOS-style records).
	hinted   []*family
	verified string
}

// Priority is the detection priority of these vendors: ahead of package
// vendors' (0), whose looser detectors (FortiGate's key sets, BIND's query
// lines, netfilter's SRC=/DST=, huawei-usg's "%%nn" marker) also match
// Chinese devices' records that carry a distinctive marker of their own.
// TestNoStealFromPackageVendors checks that no record package vendors
// recognises in its corpus is taken.
const Priority = -1

// brands lists the brands in detection order. Families that recognise a
// record by a unique marker come before those that need key sets.
func brands() []*brand { return allBrands }

var allBrands = []*brand{
	topsec, venustech, leadsec, legendsec, sangfor, nsfocus, qianxin, qihoo360,
	h3c, huawei, hillstone, dbappsecurity, dptech, webray, asiainfo, anzhou, easynetworks, huafoun,
	anmit, antiy, anysec, cajinchen, chinatelecom, datacloudsec, infogo,
	huorong, jhsec, jnsec, jump, koal, netentsec, qzsec, rising, ruijie, shenfan,
	t1networks, trendmicro, vsecure, vrv,
}

// Register adds the vendors to r in detection order, at Priority.
func Register(r *parse.Registry) {
	for _, b := range brands() {
		r.MustRegister(b.vendorDef())
	}
	r.MustRegister(genericCN)
}

// Vendors returns the vendor definitions (for tools and tests).
func Vendors() []*parse.Vendor {
	bs := brands()
	out := make([]*parse.Vendor, 0, len(bs)+1)
	for _, b := range bs {
		out = append(out, b.vendorDef())
	}
	return append(out, genericCN)
}

func (b *brand) vendorDef() *parse.Vendor {
	formats := b.formats
	if len(formats) == 0 {
		formats = []parse.Format{parse.FormatKV, parse.FormatText}
	}
	return &parse.Vendor{
		ID:       b.id,
		Aliases:  b.aliases,
		Name:     b.name,
		Formats:  formats,
		Observer: parse.Observer{Vendor: b.vendor, Product: b.product, Type: b.otype},
		Charset:  "gb18030",
		Detect:   b.detect,
		Normalize: func(r *parse.Record, e *event.Event) error {
			b.normalize(r, e)
			return nil
		},
		Verified: b.verified,
		Priority: Priority,
	}
}

func (b *brand) match(r *parse.Record) *family {
	for _, f := range b.families {
		if f.match(r) {
			return f
		}
	}
	return nil
}

func (b *brand) detect(r *parse.Record) bool { return b.match(r) != nil }

// anyFamily finds the family of a record among all brands (hinted devices
// that write another brand's format).
func anyFamily(r *parse.Record) *family {
	for _, b := range brands() {
		if f := b.match(r); f != nil {
			return f
		}
	}
	return nil
}

func (b *brand) normalize(r *parse.Record, e *event.Event) {
	f := b.match(r)
	if f == nil {
		for _, h := range b.hinted {
			if h.match(r) {
				f = h
				break
			}
		}
	}
	if f == nil {
		f = anyFamily(r)
	}
	c := newCtx(r, e, b, f)
	if f != nil {
		f.read(c)
	} else {
		readGeneric(c)
	}
	c.finish()
}

// payload returns the record's message without the syslog header, and
// without a leading "<PRI>" the syslog parser did not take (out-of-range
// priorities such as <255> or <-1>).
func payload(r *parse.Record) string {
	s := r.Body
	if len(s) > 2 && s[0] == '<' {
		if i := strings.IndexByte(s[:min(len(s), 8)], '>'); i > 0 {
			s = s[i+1:]
		}
	}
	return strings.TrimLeft(s, " ")
}

// rawPayload returns the original message without a leading "<PRI>" (any
// digits, even out of range) — for formats that put their own timestamp
// first, which a syslog parser would take as the header's.
func rawPayload(r *parse.Record) string {
	s := r.Original
	if len(s) > 2 && s[0] == '<' {
		if i := strings.IndexByte(s[:min(len(s), 8)], '>'); i > 0 {
			s = s[i+1:]
		}
	}
	return strings.TrimLeft(s, " ")
}

// after returns the text after the first occurrence of marker, or "".
func after(s, marker string) string {
	if i := strings.Index(s, marker); i >= 0 {
		return s[i+len(marker):]
	}
	return ""
}

// from returns s from the first occurrence of marker, or "".
func from(s, marker string) string {
	if i := strings.Index(s, marker); i >= 0 {
		return s[i:]
	}
	return ""
}

// readGeneric reads a record no family recognises (a hinted device sending
// a format not described here): JSON, key=value, or Chinese "键:值" lists,
// whichever yields fields.
func readGeneric(c *ctx) {
	p := payload(c.r)
	var fs fields
	if strings.ContainsAny(p, "{") {
		fs, _ = jsonFields(p, nil)
	}
	if len(fs) < 2 {
		fs = spaceKV(p, '=', fs[:0])
	}
	if len(fs) < 2 {
		fs = splitList(fullWidth.Replace(p), []string{",", ";", "|"}, []string{":", "="}, fs[:0])
	}
	c.collect(fs)
}
