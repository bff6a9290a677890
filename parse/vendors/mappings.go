package vendors

import (
	"embed"
	"fmt"
	"path"
	"sort"

	"bianque/event"
	"bianque/parse"
)

// Declarative vendors: one YAML mapping per product in mappings/. See
// docs/parse.md ("Adding a vendor") for the schema.
//
//go:embed mappings/*.yaml
var mappingFiles embed.FS

// mappingHooks adds Go post-processing to a declarative vendor where a
// field needs more than a rename.
var mappingHooks = map[string]func(r *parse.Record, e *event.Event){
	"sophos-firewall": func(r *parse.Record, e *event.Event) {
		for _, role := range []string{"destination"} {
			if d := e.Str(role + ".domain"); d != "" {
				parse.SetDomainParts(e, role, d)
				e.AppendUnique(event.RelatedHosts, d)
			}
		}
		if u := e.Str("url.original"); u != "" {
			parse.SetURL(e, "url", u)
			if d := e.Str("url.domain"); d != "" {
				parse.SetDomainParts(e, "url", d)
			}
		}
		if q := e.Str("url.query"); q != "" {
			e.Set("url.query", q)
		}
	},
}

// LoadMappings reads the embedded mappings, sorted by file name.
func LoadMappings() ([]*parse.Mapping, error) {
	entries, err := mappingFiles.ReadDir("mappings")
	if err != nil {
		return nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []*parse.Mapping
	for _, en := range entries {
		b, err := mappingFiles.ReadFile(path.Join("mappings", en.Name()))
		if err != nil {
			return nil, err
		}
		m, err := parse.ParseMapping(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", en.Name(), err)
		}
		out = append(out, m)
	}
	return out, nil
}

func init() {
	ms, err := LoadMappings()
	if err != nil {
		// The mappings are compiled into the binary; a bad one is a build defect
		// caught by the package tests.
		panic(err)
	}
	for _, m := range ms {
		v := m.Vendor()
		if hook := mappingHooks[m.ID]; hook != nil {
			apply := v.Normalize
			v.Normalize = func(r *parse.Record, e *event.Event) error {
				if err := apply(r, e); err != nil {
					return err
				}
				hook(r, e)
				return nil
			}
		}
		all = append(all, v)
	}
}
