package parse

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// Charsets maps the encoding names a hint or vendor may use to decoders.
// GB18030 is a superset of GBK and GB2312, so it decodes all three.
var charsets = map[string]encoding.Encoding{
	"gb18030":      simplifiedchinese.GB18030,
	"gbk":          simplifiedchinese.GB18030,
	"gb2312":       simplifiedchinese.GB18030,
	"big5":         traditionalchinese.Big5,
	"latin1":       charmap.ISO8859_1,
	"iso-8859-1":   charmap.ISO8859_1,
	"windows-1252": charmap.Windows1252,
	"utf-16le":     unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
}

// KnownCharset reports whether name is a supported encoding.
func KnownCharset(name string) bool {
	n := strings.ToLower(name)
	if n == "" || n == "utf-8" || n == "utf8" {
		return true
	}
	_, ok := charsets[n]
	return ok
}

// Decode returns raw as UTF-8. charset names the encoding; when empty, valid
// UTF-8 is taken as is and anything else is decoded with fallback (GB18030
// when empty: the encoding Chinese devices use when they do not send UTF-8).
func Decode(raw []byte, charset, fallback string) (string, error) {
	cs := strings.ToLower(charset)
	if cs == "" || cs == "utf-8" || cs == "utf8" {
		if utf8.Valid(raw) {
			return string(raw), nil
		}
		if cs != "" {
			// Declared UTF-8 but invalid: keep it, invalid bytes become U+FFFD
			// when serialised.
			return string(raw), nil
		}
		cs = strings.ToLower(fallback)
		if cs == "" {
			cs = "gb18030"
		}
	}
	enc, ok := charsets[cs]
	if !ok {
		return "", fmt.Errorf("decode: unknown charset %q", charset)
	}
	b, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return "", fmt.Errorf("decode %s: %w", cs, err)
	}
	return string(b), nil
}
