package cnvendors

import (
	"embed"
	"fmt"
	"strings"
	"sync"
)

// The vendors' code tables (attack types, levels, actions, event types),
// derived from the Botu dictionaries; see codes/NOTICE.
//
//go:embed codes/*.tsv
var codeFiles embed.FS

// codeTable maps a vendor's codes to their meaning.
type codeTable struct {
	exact map[string]string
	fold  map[string]string // lower-cased keys
}

// lookup returns the meaning of code (exact, then case-insensitive).
func (t *codeTable) lookup(code string) (string, bool) {
	if t == nil {
		return "", false
	}
	code = strings.TrimSpace(code)
	if v, ok := t.exact[code]; ok {
		return v, true
	}
	v, ok := t.fold[strings.ToLower(code)]
	return v, ok
}

var (
	codesOnce sync.Once
	codesByID map[string]*codeTable
	codesErr  error
)

func loadCodes() {
	codesByID = map[string]*codeTable{}
	entries, err := codeFiles.ReadDir("codes")
	if err != nil {
		codesErr = err
		return
	}
	for _, en := range entries {
		name := en.Name()
		if !strings.HasSuffix(name, ".tsv") {
			continue
		}
		b, err := codeFiles.ReadFile("codes/" + name)
		if err != nil {
			codesErr = err
			return
		}
		t := &codeTable{exact: map[string]string{}, fold: map[string]string{}}
		for ln := range strings.Lines(string(b)) {
			ln = strings.TrimRight(ln, "\r\n")
			if ln == "" || ln[0] == '#' {
				continue
			}
			k, v, ok := strings.Cut(ln, "\t")
			if !ok {
				codesErr = fmt.Errorf("code table %s: line without tab: %q", name, ln)
				return
			}
			if _, dup := t.exact[k]; !dup {
				t.exact[k] = v
			}
			if _, dup := t.fold[strings.ToLower(k)]; !dup {
				t.fold[strings.ToLower(k)] = v
			}
		}
		codesByID[strings.TrimSuffix(name, ".tsv")] = t
	}
}

// codes returns the code table of the given name (the file name without
// .tsv). A missing table is a programming error caught by the tests.
func codes(name string) *codeTable {
	codesOnce.Do(loadCodes)
	return codesByID[name]
}

// codeNames lists the loaded tables (for tests).
func codeNames() ([]string, error) {
	codesOnce.Do(loadCodes)
	out := make([]string, 0, len(codesByID))
	for k := range codesByID {
		out = append(out, k)
	}
	return out, codesErr
}
