package pipeline

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"bianque/discover"
	"bianque/discover/classify"
	"bianque/discover/commsmap"
	"bianque/discover/oui"
)

// EnrichOptions configure the standard enrichment.
type EnrichOptions struct {
	OUIFile     string // IEEE CSV read on top of the built-in table
	SiteMapFile string // JSON {"entries":[...]} or CSV subnet,vlan,department,room
	RulesDir    string // extra classification rules (*.yaml)
}

// Enricher classifies devices and builds the communication map.
type Enricher struct {
	Classifier *classify.Classifier
}

// NewEnricher loads the classification rules, OUI table and site map.
func NewEnricher(opt EnrichOptions) (*Enricher, error) {
	c, err := classify.New()
	if err != nil {
		return nil, fmt.Errorf("load classification: %w", err)
	}
	if opt.OUIFile != "" {
		f, err := os.Open(opt.OUIFile)
		if err != nil {
			return nil, fmt.Errorf("open OUI file: %w", err)
		}
		t, err := oui.Load(c.OUI, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		c.OUI = t
	}
	if opt.RulesDir != "" {
		if err := c.Rules.LoadFS(os.DirFS(opt.RulesDir), "."); err != nil {
			return nil, err
		}
	}
	if opt.SiteMapFile != "" {
		f, err := os.Open(opt.SiteMapFile)
		if err != nil {
			return nil, fmt.Errorf("open site map: %w", err)
		}
		sm, err := ReadSiteMap(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		c.Sites = sm
	}
	return &Enricher{Classifier: c}, nil
}

// Enrich classifies the devices of r and completes its flows.
func (e *Enricher) Enrich(r *discover.Report) {
	e.Classifier.Classify(r)
	commsmap.Enrich(r)
}

// ReadSiteMap reads a site map: JSON {"entries":[{"subnet","vlan",
// "department","room"}]} or CSV with the header subnet,vlan,department,room.
func ReadSiteMap(r io.Reader) (*classify.SiteMap, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read site map: %w", err)
	}
	sm := &classify.SiteMap{}
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "{") {
		if err := json.Unmarshal(b, sm); err != nil {
			return nil, fmt.Errorf("site map: %w", err)
		}
	} else {
		rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			return nil, fmt.Errorf("site map: %w", err)
		}
		for i, row := range rows {
			if i == 0 && len(row) > 0 && strings.EqualFold(row[0], "subnet") {
				continue
			}
			if len(row) < 3 {
				return nil, fmt.Errorf("site map line %d: want subnet,vlan,department[,room]", i+1)
			}
			e := classify.SiteEntry{Subnet: strings.TrimSpace(row[0]), Department: strings.TrimSpace(row[2])}
			if v := strings.TrimSpace(row[1]); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, fmt.Errorf("site map line %d: VLAN %q", i+1, v)
				}
				e.VLAN = n
			}
			if len(row) > 3 {
				e.Room = strings.TrimSpace(row[3])
			}
			sm.Entries = append(sm.Entries, e)
		}
	}
	if err := sm.Compile(); err != nil {
		return nil, err
	}
	return sm, nil
}
