package server

import (
	"net/netip"
	"slices"
	"strings"

	"bianque/event"
	"bianque/mask"
	"bianque/parse"
	"bianque/pipeline"
)

// ParseStage adapts the parser of package parse to the pipeline: a hint
// that names a payload format ("cef", "json") selects the format, one that
// names a vendor (id or alias) the vendor; any other hint (a product name a
// component was registered with) leaves detection to the parser.
type ParseStage struct {
	Parser *parse.Parser
}

// Parse parses one message.
func (p ParseStage) Parse(raw []byte, meta pipeline.Meta) (*event.Event, error) {
	h := parse.Hint{ReceivedAt: meta.Received}
	if hint := strings.ToLower(strings.TrimSpace(meta.Hint)); hint != "" {
		if slices.Contains(parse.Formats, parse.Format(hint)) {
			h.Format = parse.Format(hint)
		} else if _, ok := p.Parser.Registry().Lookup(hint); ok {
			h.Vendor = hint
		}
	}
	if ap, err := netip.ParseAddrPort(meta.Sender); err == nil {
		h.Sender = ap.Addr().Unmap()
	}
	return p.Parser.Parse(raw, h)
}

// MaskStage adapts the per-tenant maskers of package mask to the pipeline.
type MaskStage struct {
	Policies *mask.Policies
}

// Mask masks personal data in the event with the tenant's key and policy.
func (m MaskStage) Mask(tenantID string, e *event.Event) error {
	mk, err := m.Policies.For(tenantID)
	if err != nil {
		return err
	}
	mk.Event(e)
	return nil
}

// MaskText masks personal data in free text (dead letters' raw input).
func (m MaskStage) MaskText(tenantID, s string) string {
	mk, err := m.Policies.For(tenantID)
	if err != nil {
		return "[not kept: the tenant's masker is unavailable]"
	}
	out, _ := mk.String(s)
	return out
}

var (
	_ pipeline.Parser     = ParseStage{}
	_ pipeline.Masker     = MaskStage{}
	_ pipeline.TextMasker = MaskStage{}
)
