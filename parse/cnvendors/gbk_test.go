package cnvendors_test

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"bianque/internal/testutil"
	"bianque/parse"
	"bianque/parse/std"
)

// TestCNGBKRoundTrip encodes every corpus line that holds Chinese text
// as GBK, as many devices still send it, parses it without a hint and
// requires the very event the UTF-8 line gives: the decoder must restore
// every character. Lines holding characters GBK cannot encode (a few
// carry Latin-1 mojibake or U+200E marks) are counted and skipped, as are
// lines that are GBK mojibake already.
func TestCNGBKRoundTrip(t *testing.T) {
	p := std.NewParser(parse.Options{Clock: testutil.NewFakeClock(refTime)})
	enc := simplifiedchinese.GBK.NewEncoder()
	tested, skipped, mojibake := 0, 0, 0
	for _, c := range loadCNCorpus(t) {
		if isASCII(c.Raw) {
			continue
		}
		gbk, err := enc.Bytes([]byte(c.Raw))
		if err != nil {
			skipped++
			continue
		}
		if utf8.Valid(gbk) {
			// The corpus line is itself mojibake (UTF-8 bytes once read as
			// GBK): encoding it back gives the original UTF-8, so the
			// line proves nothing about decoding.
			mojibake++
			continue
		}
		tested++
		h := parse.Hint{ReceivedAt: refTime}
		want, _ := p.Parse([]byte(c.Raw), h)
		got, _ := p.Parse(gbk, h)
		var wb, gb bytes.Buffer
		if err := want.AppendJSON(&wb); err != nil {
			t.Fatal(err)
		}
		if err := got.AppendJSON(&gb); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(wb.Bytes(), gb.Bytes()) {
			t.Errorf("%s: GBK input gives a different event\n utf-8: %.300s\n   gbk: %.300s", c.ID, wb.Bytes(), gb.Bytes())
		}
	}
	t.Logf("%d lines with Chinese text round-tripped through GBK; %d not encodable in GBK, %d mojibake lines skipped", tested, skipped, mojibake)
	if tested < 300 {
		t.Errorf("only %d lines tested", tested)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
