package bianque

import (
	"regexp"
	"strings"
)

// MaskingPolicy is what PII masking does to a hospital's events before they
// are stored (R2.5), agreed in its contract. Masking is irreversible but
// keyed per tenant, so equal values mask to equal tokens and correlation
// still works. The built-in kinds — resident ID numbers, mobile numbers, bank
// card numbers and e-mail addresses — are on unless the policy turns one off
// (nil keeps the default).
type MaskingPolicy struct {
	IDCard   *bool `json:"idcard,omitempty"`
	Mobile   *bool `json:"mobile,omitempty"`
	BankCard *bool `json:"bankcard,omitempty"`
	Email    *bool `json:"email,omitempty"`
	// Fields are event fields whose whole value is personal data, such as
	// "hospital.patient.name" or "hospital.patient.mrn"; their values are
	// also masked wherever else they occur in the event, event.original
	// included.
	Fields []string `json:"fields,omitempty"`
	// TextKeys are key names whose values are masked where they appear as
	// key=value or key: value in free text (e.g. "patient_name", "mrn").
	TextKeys []string `json:"text_keys,omitempty"`
	// Patterns are extra regular expressions (RE2) whose matches are masked,
	// e.g. the hospital's medical record number format.
	Patterns []MaskingPattern `json:"patterns,omitempty"`
	// Skip lists fields never scanned (file hashes, rule texts).
	Skip []string `json:"skip,omitempty"`
}

// MaskingPattern is a named extra pattern of a masking policy.
type MaskingPattern struct {
	Name   string `json:"name"`
	Regexp string `json:"regexp"`
}

// Limits of a masking policy: it runs on every event of the hospital.
const (
	maxMaskingEntries = 64
	maxMaskingPattern = 512
)

var maskingNameRE = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,128}$`)

// Validate checks field names and compiles the patterns.
func (p *MaskingPolicy) Validate() error {
	if p == nil {
		return nil
	}
	for what, list := range map[string][]string{"fields": p.Fields, "text_keys": p.TextKeys, "skip": p.Skip} {
		if len(list) > maxMaskingEntries {
			return Errorf(EINVALID, "masking %s: at most %d entries", what, maxMaskingEntries)
		}
		for _, f := range list {
			if !maskingNameRE.MatchString(f) {
				return Errorf(EINVALID, "masking %s: %q is not a field or key name", what, f)
			}
		}
	}
	if len(p.Patterns) > maxMaskingEntries {
		return Errorf(EINVALID, "masking patterns: at most %d", maxMaskingEntries)
	}
	for i, pt := range p.Patterns {
		if strings.TrimSpace(pt.Name) == "" || len(pt.Name) > 64 {
			return Errorf(EINVALID, "masking pattern %d: a name of 1–64 characters is required", i)
		}
		if pt.Regexp == "" || len(pt.Regexp) > maxMaskingPattern {
			return Errorf(EINVALID, "masking pattern %q: a regular expression of 1–%d bytes is required", pt.Name, maxMaskingPattern)
		}
		re, err := regexp.Compile(pt.Regexp)
		if err != nil {
			return Errorf(EINVALID, "masking pattern %q: %v", pt.Name, err)
		}
		if re.MatchString("") {
			return Errorf(EINVALID, "masking pattern %q matches the empty string", pt.Name)
		}
	}
	return nil
}
