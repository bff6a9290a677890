// Package i18n is the one message catalogue of the platform: the portal,
// reports and notifications all take their words from here, in Simplified
// Chinese (the default) and English. Messages live in messages/<lang>.json,
// keyed by dotted names; every language must define every key (a test
// checks), and arguments are positional fmt verbs.
//
// Enumerations of the domain have conventional keys so that callers need no
// table of their own: Label("ticket.state", "new") reads "ticket.state.new".
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Languages are the supported languages, the default first.
var Languages = []string{"zh-CN", "en"}

// Default is the language used when nothing else is known.
const Default = "zh-CN"

//go:embed messages/*.json
var files embed.FS

var catalog = load()

func load() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		b, err := files.ReadFile(path.Join("messages", lang+".json"))
		if err != nil {
			panic("i18n: missing catalogue " + lang)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n: %s.json: %v", lang, err))
		}
		out[lang] = m
	}
	return out
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// Normalize maps a language tag to a supported language ("zh", "zh-Hans-CN"
// → zh-CN; "en-GB" → en), or "" if none matches.
func Normalize(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "":
		return ""
	case strings.HasPrefix(tag, "zh"):
		return "zh-CN" // also for Traditional Chinese: the nearest we have
	case strings.HasPrefix(tag, "en"):
		return "en"
	}
	return ""
}

// FromAcceptLanguage picks the best supported language of an
// Accept-Language header by its quality values, or Default.
func FromAcceptLanguage(header string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if l := Normalize(tag); l != "" && q > bestQ {
			best, bestQ = l, q
		}
	}
	if best == "" {
		return Default
	}
	return best
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	_, ok := catalog[Default][key]
	return ok
}

// T returns the message key in lang, formatted with args. An unknown
// language falls back to Default; an unknown key yields the key itself, so a
// missing message is visible rather than blank.
func T(lang, key string, args ...any) string {
	m, ok := catalog[lang]
	if !ok {
		m = catalog[Default]
	}
	msg, ok := m[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Label returns the name of an enumeration value: T(lang, prefix+"."+value),
// or the value itself when the catalogue has no entry for it.
func Label(lang, prefix, value string) string {
	key := prefix + "." + value
	if !Has(key) {
		return value
	}
	return T(lang, key)
}

// Keys returns every key of lang's catalogue, sorted.
func Keys(lang string) []string {
	var ks []string
	for k := range catalog[lang] {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
