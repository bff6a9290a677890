package sigma

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bianque/internal/testutil"
)

// corpusDirs are the rule directories the engine must load.
var corpusDirs = []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "unsupported"}

func TestParseCorpus(t *testing.T) {
	base := filepath.Join(testutil.Corpora(t), "sigma")
	var nrules, nfiles int
	var errs []error
	for _, d := range corpusDirs {
		err := filepath.WalkDir(filepath.Join(base, d), func(p string, de fs.DirEntry, err error) error {
			if err != nil || de.IsDir() || !strings.HasSuffix(p, ".yml") {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(base, p)
			rules, es := Parse(rel, data)
			nfiles++
			nrules += len(rules)
			errs = append(errs, es...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d files, %d rules, %d errors", nfiles, nrules, len(errs))
	for _, e := range errs {
		t.Log(e)
	}
}
