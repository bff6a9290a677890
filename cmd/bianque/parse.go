package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"bianque"
	"bianque/mask"
	"bianque/parse"
	"bianque/parse/std"
)

func init() {
	register(&command{
		Name:    "parse",
		Summary: "parse raw log lines into ECS JSON",
		Usage: `Usage: bianque parse [--vendor V] [--format F] [--tz ZONE] [FILE]
       bianque parse --list-vendors

Reads one raw message per line (from FILE or standard input) and prints one
ECS JSON object per line. Without --vendor the format and the vendor are
detected. Lines that cannot be parsed are reported on standard error with
their line number; the exit status is 1 when any line failed.`,
		Run: runParse,
	})
}

func runParse(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["parse"]
	fs := newFlagSet(env, c)
	vendor := fs.String("vendor", "BIANQUE_PARSE_VENDOR", "", "vendor id or alias (see --list-vendors); empty to detect")
	formatName := fs.String("format", "", "", "payload format: "+formatList()+"; empty to detect")
	tz := fs.String("tz", "BIANQUE_PARSE_TZ", "", "device time zone for timestamps without offset (IANA name or +0800)")
	charset := fs.String("charset", "", "", "input encoding (utf-8, gb18030, gbk); empty: UTF-8 when valid, else GB18030")
	list := fs.Bool("list-vendors", "", false, "print the vendor ids and aliases and exit")
	doMask := fs.Bool("mask", "", false, "mask personal data (key from $BIANQUE_MASK_KEY, at least 16 bytes)")
	w3cFields := fs.String("w3c-fields", "", "", "space-separated column names of W3C extended logs (the #Fields directive); default: IIS")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *list {
		return listVendors(env.Stdout)
	}
	hint := parse.Hint{Vendor: *vendor, Format: parse.Format(strings.ToLower(*formatName)), Charset: *charset}
	if *w3cFields != "" {
		hint.Fields = strings.Fields(strings.TrimPrefix(*w3cFields, "#Fields:"))
	}
	if hint.Format != parse.FormatAuto && !knownFormat(hint.Format) {
		return bianque.Errorf(bianque.EINVALID, "unknown format %q (one of %s)", *formatName, formatList())
	}
	if hint.Vendor != "" {
		if _, ok := std.Registry().Lookup(hint.Vendor); !ok {
			return bianque.Errorf(bianque.EINVALID, "unknown vendor %q (see --list-vendors)", hint.Vendor)
		}
	}
	if !parse.KnownCharset(*charset) {
		return bianque.Errorf(bianque.EINVALID, "unknown charset %q", *charset)
	}
	if *tz != "" {
		loc, err := loadZone(*tz)
		if err != nil {
			return err
		}
		hint.Location = loc
	}
	var masker *mask.Masker
	if *doMask {
		key := env.Getenv("BIANQUE_MASK_KEY")
		m, err := mask.New([]byte(key), mask.Default())
		if err != nil {
			return bianque.WrapError(bianque.EINVALID, err, "--mask")
		}
		masker = m
	}
	in := env.Stdin
	if fs.NArg() > 1 {
		return errUsage
	}
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		defer f.Close()
		in = f
	}
	p := std.NewParser(parse.Options{Clock: bianque.SystemClock{}})
	return parseLines(ctx, p, in, env.Stdout, env.Stderr, hint, masker)
}

func parseLines(ctx context.Context, p *parse.Parser, in io.Reader, out, errOut io.Writer, hint parse.Hint, masker *mask.Masker) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	w := bufio.NewWriter(out)
	defer w.Flush()
	var buf bytes.Buffer
	line, failed, total := 0, 0, 0
	for sc.Scan() {
		line++
		if line%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		raw := sc.Bytes()
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		total++
		h := hint
		h.ReceivedAt = time.Now()
		ev, err := p.Parse(raw, h)
		if err != nil {
			failed++
			fmt.Fprintf(errOut, "line %d: %v\n", line, err)
			if ev == nil {
				continue
			}
		}
		if masker != nil {
			masker.Event(ev)
		}
		buf.Reset()
		if err := ev.AppendJSON(&buf); err != nil {
			failed++
			fmt.Fprintf(errOut, "line %d: encode: %v\n", line, err)
			continue
		}
		buf.WriteByte('\n')
		if _, err := w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read input at line %d: %w", line+1, err)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d lines failed", failed, total)
	}
	return nil
}

func listVendors(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tALIASES\tNAME\tFORMATS")
	for _, v := range std.Registry().Vendors() {
		fs := make([]string, len(v.Formats))
		for i, f := range v.Formats {
			fs[i] = string(f)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID, strings.Join(v.Aliases, ","), v.Name, strings.Join(fs, ","))
	}
	return tw.Flush()
}

func formatList() string {
	s := make([]string, len(parse.Formats))
	for i, f := range parse.Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

func knownFormat(f parse.Format) bool {
	for _, k := range parse.Formats {
		if k == f {
			return true
		}
	}
	return false
}

func loadZone(s string) (*time.Location, error) {
	if loc, ok := parse.ParseOffset(s); ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, bianque.WrapError(bianque.EINVALID, err, "unknown time zone %q", s)
	}
	return loc, nil
}
