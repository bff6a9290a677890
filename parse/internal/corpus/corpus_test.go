package corpus_test

import (
	"path/filepath"
	"testing"

	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/internal/corpus"
	"bianque/parse/std"
)

func TestCorpusScores(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "logs")
	cases, err := corpus.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := std.NewParser(parse.Options{})
	res, all := corpus.Run(p, cases, nil)
	for _, k := range corpus.Keys(res) {
		r := res[k]
		t.Logf("%-45s %4d cases %5.1f%% (%d/%d) detected %d/%d", k, r.Cases, r.Share(), r.Matched, r.Total, r.Detected, r.Hinted)
	}
	t.Logf("overall: %d cases %.1f%% (%d/%d)", all.Cases, all.Share(), all.Matched, all.Total)
}
