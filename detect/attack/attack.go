// Package attack computes MITRE ATT&CK coverage from rule tags (R3.2):
// which techniques the rules that run for a tenant detect, out of the
// techniques of the Enterprise matrix, overall and per tactic.
//
// The matrix is read from the JSON table of techniques (id, name, tactics,
// sub-technique parent, deprecated / revoked status); ATT&CK is © The MITRE
// Corporation and is used under its terms of use.
package attack

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Technique is one ATT&CK technique or sub-technique.
type Technique struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Tactics    []string `json:"tactics"`
	Sub        bool     `json:"is_subtechnique"`
	Parent     string   `json:"parent_id"`
	Deprecated bool     `json:"deprecated"`
	Revoked    bool     `json:"revoked"`
	RevokedBy  string   `json:"revoked_by"`
	Platforms  []string `json:"platforms"`
}

// Tactic is one column of the matrix.
type Tactic struct {
	ID        string `json:"id"`
	ShortName string `json:"shortname"`
	Name      string `json:"name"`
}

// Matrix is the Enterprise ATT&CK matrix.
type Matrix struct {
	Version    string
	Tactics    []Tactic
	techniques map[string]*Technique
}

// Load reads the techniques table (enterprise-techniques.json: attack_version,
// tactic_order, techniques).
func Load(r io.Reader) (*Matrix, error) {
	var doc struct {
		Version    string       `json:"attack_version"`
		Tactics    []Tactic     `json:"tactic_order"`
		Techniques []*Technique `json:"techniques"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("read att&ck techniques: %w", err)
	}
	if len(doc.Tactics) == 0 || len(doc.Techniques) == 0 {
		return nil, fmt.Errorf("read att&ck techniques: no tactics or techniques")
	}
	m := &Matrix{Version: doc.Version, Tactics: doc.Tactics, techniques: map[string]*Technique{}}
	for _, t := range doc.Techniques {
		m.techniques[strings.ToUpper(t.ID)] = t
	}
	return m, nil
}

// Technique returns a technique by ID, following revocations to the
// technique that replaced it; ok is false for unknown IDs.
func (m *Matrix) Technique(id string) (*Technique, bool) {
	t, ok := m.techniques[strings.ToUpper(id)]
	for depth := 0; ok && t.Revoked && t.RevokedBy != "" && depth < 8; depth++ {
		t, ok = m.techniques[strings.ToUpper(t.RevokedBy)]
	}
	return t, ok
}

// active reports whether a technique is current (neither deprecated nor revoked).
func active(t *Technique) bool { return !t.Deprecated && !t.Revoked }

// RuleTags is what coverage needs of a rule.
type RuleTags struct {
	ID         string
	Techniques []string // T-numbers, as tagged (attack.t1059.001 -> T1059.001)
}

// Coverage is the ATT&CK coverage of a set of rules.
type Coverage struct {
	Version string `json:"attack_version"`
	// Techniques counts the current parent techniques; Covered those with
	// at least one rule (on the technique or one of its sub-techniques).
	Techniques int `json:"techniques"`
	Covered    int `json:"covered"`
	// SubTechniques and SubCovered count the current sub-techniques.
	SubTechniques int              `json:"sub_techniques"`
	SubCovered    int              `json:"sub_covered"`
	ByTactic      []TacticCoverage `json:"by_tactic"`
	// Unknown lists tagged IDs that are not in the matrix; Outdated lists
	// deprecated or revoked ones (counted under their replacement when
	// there is one).
	Unknown  []string `json:"unknown,omitempty"`
	Outdated []string `json:"outdated,omitempty"`
}

// Ratio returns Covered / Techniques.
func (c *Coverage) Ratio() float64 {
	if c.Techniques == 0 {
		return 0
	}
	return float64(c.Covered) / float64(c.Techniques)
}

// TacticCoverage is the coverage of one tactic.
type TacticCoverage struct {
	Tactic     string              `json:"tactic"`
	Name       string              `json:"name"`
	Techniques int                 `json:"techniques"`
	Covered    int                 `json:"covered"`
	Items      []TechniqueCoverage `json:"items"`
}

// TechniqueCoverage lists the rules on one technique (its sub-techniques included).
type TechniqueCoverage struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Rules []string `json:"rules,omitempty"`
}

// Coverage computes the coverage of rules.
func (m *Matrix) Coverage(rules []RuleTags) *Coverage {
	c := &Coverage{Version: m.Version}
	byTech := map[string][]string{} // parent technique -> rules
	subCovered := map[string]bool{}
	unknown, outdated := map[string]bool{}, map[string]bool{}
	for _, r := range rules {
		for _, id := range r.Techniques {
			id = strings.ToUpper(id)
			raw, known := m.techniques[id]
			if !known {
				unknown[id] = true
				continue
			}
			if !active(raw) {
				outdated[id] = true
			}
			t, ok := m.Technique(id)
			if !ok || !active(t) {
				continue
			}
			parent := t.ID
			if t.Sub {
				subCovered[t.ID] = true
				parent = t.Parent
			}
			if !slices.Contains(byTech[parent], r.ID) {
				byTech[parent] = append(byTech[parent], r.ID)
			}
		}
	}
	perTactic := map[string]*TacticCoverage{}
	for _, ta := range m.Tactics {
		tc := &TacticCoverage{Tactic: ta.ShortName, Name: ta.Name}
		perTactic[ta.ShortName] = tc
	}
	ids := make([]string, 0, len(m.techniques))
	for id := range m.techniques {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t := m.techniques[id]
		if !active(t) {
			continue
		}
		if t.Sub {
			c.SubTechniques++
			if subCovered[t.ID] {
				c.SubCovered++
			}
			continue
		}
		c.Techniques++
		rs := byTech[t.ID]
		if len(rs) > 0 {
			c.Covered++
		}
		for _, tac := range t.Tactics {
			tc := perTactic[tac]
			if tc == nil {
				continue
			}
			tc.Techniques++
			if len(rs) > 0 {
				tc.Covered++
			}
			tc.Items = append(tc.Items, TechniqueCoverage{ID: t.ID, Name: t.Name, Rules: rs})
		}
	}
	for _, ta := range m.Tactics {
		c.ByTactic = append(c.ByTactic, *perTactic[ta.ShortName])
	}
	for id := range unknown {
		c.Unknown = append(c.Unknown, id)
	}
	for id := range outdated {
		c.Outdated = append(c.Outdated, id)
	}
	sort.Strings(c.Unknown)
	sort.Strings(c.Outdated)
	return c
}
