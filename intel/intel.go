// Package intel imports threat intelligence into indicators of compromise
// (bianque.Indicator, R3.3): STIX 2.1 bundles, TAXII 2.1 collections, MISP
// events and feeds, and CSV lists. Every importer keeps the attribution it
// finds (threat actors, malware families, campaigns, TLP markings as tags),
// the confidence and the validity window, and reports what it skipped and
// why instead of dropping it silently.
package intel

import (
	"net/netip"
	"regexp"
	"strings"
	"time"

	"bianque"
)

// Options apply to every import.
type Options struct {
	// Source names the feed on every indicator.
	Source string
	// Tags are added to every indicator.
	Tags []string
	// Confidence applies when the source gives none (0–100).
	Confidence int
	// TTL sets ValidUntil (from the indicator's start, or Now) when the
	// source gives no end; zero keeps such indicators open-ended.
	TTL time.Duration
	// Now dates indicators whose source gives no time (for TTL).
	Now time.Time
	// IncludeNonIDS also imports MISP attributes not flagged for detection (to_ids).
	IncludeNonIDS bool
}

// Skip is one source record that did not become an indicator.
type Skip struct {
	Ref    string `json:"ref"`    // where it was: an object ID, a line number
	Reason string `json:"reason"` // why
}

// Result is the outcome of an import.
type Result struct {
	Indicators []*bianque.Indicator
	Skipped    []Skip
}

func (r *Result) skip(ref, format string, args ...any) {
	r.Skipped = append(r.Skipped, Skip{Ref: ref, Reason: sprintf(format, args...)})
}

// add validates and appends an indicator, or records why not.
func (r *Result) add(in *bianque.Indicator, ref string, opts Options) {
	if in.Source == "" {
		in.Source = opts.Source
	}
	if in.Confidence == 0 {
		in.Confidence = opts.Confidence
	}
	in.Tags = append(in.Tags, opts.Tags...)
	if in.ValidUntil.IsZero() && opts.TTL > 0 {
		start := in.ValidFrom
		if start.IsZero() {
			start = opts.Now
		}
		if !start.IsZero() {
			in.ValidUntil = start.Add(opts.TTL)
		}
	}
	if err := in.Validate(); err != nil {
		r.skip(ref, "%s", bianque.ErrorMessage(err))
		return
	}
	r.Indicators = append(r.Indicators, in)
}

var (
	md5RE    = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	sha1RE   = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	sha256RE = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	domainRE = regexp.MustCompile(`^(?i)(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,62}\.?$`)
)

// GuessType infers the type of a bare indicator value ("" when unclear).
func GuessType(v string) bianque.IndicatorType {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return ""
	case md5RE.MatchString(v):
		return bianque.IndicatorMD5
	case sha1RE.MatchString(v):
		return bianque.IndicatorSHA1
	case sha256RE.MatchString(v):
		return bianque.IndicatorSHA256
	}
	if _, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
		return bianque.IndicatorIP
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return bianque.IndicatorCIDR
	}
	lv := strings.ToLower(v)
	switch {
	case strings.Contains(lv, "://"):
		return bianque.IndicatorURL
	case strings.HasPrefix(lv, "hk") && strings.Contains(lv, `\`), strings.HasPrefix(lv, `\registry\`):
		return bianque.IndicatorRegistryKey
	case len(lv) > 2 && lv[1] == ':' && (lv[2] == '\\' || lv[2] == '/'), strings.HasPrefix(lv, `\\`), strings.HasPrefix(lv, "/"), strings.HasPrefix(lv, "%"):
		return bianque.IndicatorFilePath
	case domainRE.MatchString(lv):
		return bianque.IndicatorDomain
	}
	return ""
}

// hasPathSeparator tells a file path from a bare file name.
func hasPathSeparator(s string) bool { return strings.ContainsAny(s, `\/`) }
