package intel

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"bianque"
)

// ParseCSV imports a CSV list of indicators. The first row names the
// columns (case-insensitive; unknown ones are ignored):
//
//	value (or indicator, ioc)   required
//	type                        ip, cidr, domain, url, md5, sha1, sha256, file_path, registry_key;
//	                            guessed from the value when absent or empty
//	tags                        separated by ';' or '|'
//	confidence                  0–100
//	valid_from, valid_until     RFC 3339 or YYYY-MM-DD
//	description, source, id
//
// Lines starting with '#' are comments.
func ParseCSV(r io.Reader, opts Options) (*Result, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "indicator", "ioc":
			h = "value"
		}
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	if _, ok := col["value"]; !ok {
		return nil, fmt.Errorf("csv: no value column in header %q", strings.Join(header, ","))
	}
	res := &Result{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.skip("line "+strconv.Itoa(pe.StartLine), "%v", pe.Err)
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					continue
				}
				break // the reader cannot go on after other errors
			}
			return nil, fmt.Errorf("csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		ref := "line " + strconv.Itoa(line)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		in := &bianque.Indicator{Value: get("value"), Type: bianque.IndicatorType(strings.ToLower(get("type"))),
			Description: get("description"), Source: get("source"), ExternalID: get("id")}
		if in.Value == "" {
			res.skip(ref, "empty value")
			continue
		}
		if in.Type == "" {
			if in.Type = GuessType(in.Value); in.Type == "" {
				res.skip(ref, "cannot tell the type of %q", in.Value)
				continue
			}
		}
		for _, t := range strings.FieldsFunc(get("tags"), func(r rune) bool { return r == ';' || r == '|' }) {
			in.Tags = append(in.Tags, strings.TrimSpace(t))
		}
		if c := get("confidence"); c != "" {
			n, err := strconv.Atoi(c)
			if err != nil {
				res.skip(ref, "confidence %q is not a number", c)
				continue
			}
			in.Confidence = n
		}
		var terr error
		if in.ValidFrom, terr = csvTime(get("valid_from")); terr != nil {
			res.skip(ref, "valid_from: %v", terr)
			continue
		}
		if in.ValidUntil, terr = csvTime(get("valid_until")); terr != nil {
			res.skip(ref, "valid_until: %v", terr)
			continue
		}
		res.add(in, ref, opts)
	}
	return res, nil
}

func csvTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}
