// Package importer reads the reports of the scanners hospitals already run
// (R7.8) — Nessus, OpenVAS/Greenbone, Nuclei, nmap, Qualys, Nexpose, Acunetix,
// Burp, ZAP, Trivy, masscan, naabu, hydra and more — into bianque.Findings.
//
// Each format is one Format value: a detector that scores a file's first bytes
// and a parser. Detect picks the format of a file when the caller does not name
// one. Parsers group occurrences the way the scanner (and DefectDojo, whose
// unit-test expectations the corpus tests reproduce) groups them: one finding
// per vulnerability with its endpoints in Locations. docs/vuln.md lists the
// counting rule of each format.
//
// Parsers never panic on input: malformed reports yield an error naming the
// format and the problem, and unreadable items are counted in Result.Skipped
// with a reason.
package importer

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"bianque"
)

// Result is what a parser read from one report.
type Result struct {
	Format   string
	Findings []*bianque.Finding
	// Skipped counts items that could not be read, with one reason each.
	Skipped []string
}

// Format is one report format.
type Format struct {
	// Name is the format's identifier for --format (e.g. "nessus-xml").
	Name    string
	Scanner string
	// Detect scores how surely head (the first bytes of the file) with file
	// name name is this format: 0 not at all … 100 certain.
	Detect func(head []byte, name string) int
	Parse  func(data []byte) (*Result, error)
}

var formats []*Format

func register(f *Format) { formats = append(formats, f) }

// Formats lists the registered formats, sorted by name.
func Formats() []*Format {
	out := slices.Clone(formats)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the format named name.
func Lookup(name string) (*Format, bool) {
	for _, f := range formats {
		if f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// headSize is how much of a file the detectors see.
const headSize = 64 << 10

// Detect returns the format of a report from its content and file name.
func Detect(data []byte, name string) (*Format, error) {
	head := data
	if len(head) > headSize {
		head = head[:headSize]
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	var best *Format
	score := 0
	for _, f := range formats {
		if s := f.Detect(head, strings.ToLower(filepath.Base(name))); s > score {
			best, score = f, s
		}
	}
	if best == nil {
		return nil, bianque.Errorf(bianque.EINVALID, "%s: report format not recognised (give --format; known: %s)", name, strings.Join(formatNames(), ", "))
	}
	return best, nil
}

func formatNames() []string {
	var n []string
	for _, f := range Formats() {
		n = append(n, f.Name)
	}
	return n
}

// Parse reads a report: format names the format, or "" to detect it.
func Parse(data []byte, name, format string) (*Result, error) {
	var f *Format
	if format == "" {
		var err error
		if f, err = Detect(data, name); err != nil {
			return nil, err
		}
	} else {
		var ok bool
		if f, ok = Lookup(format); !ok {
			return nil, bianque.Errorf(bianque.EINVALID, "unknown report format %q (known: %s)", format, strings.Join(formatNames(), ", "))
		}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	res, err := f.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s as %s: %w", name, f.Name, err)
	}
	res.Format = f.Name
	for _, fd := range res.Findings {
		finish(fd, f.Scanner)
	}
	return res, nil
}

// finish fills the derived fields every parser leaves to the end.
func finish(f *bianque.Finding, scanner string) {
	if f.Scanner == "" {
		f.Scanner = scanner
	}
	if f.CVEs == nil {
		f.CVEs = []string{}
	}
	if f.References == nil {
		f.References = []string{}
	}
	if len(f.Locations) > 0 {
		l := f.Locations[0]
		if f.Host == "" {
			f.Host = l.Host
		}
		if f.Port == 0 {
			f.Port = l.Port
		}
		if f.Protocol == "" {
			f.Protocol = l.Protocol
		}
		if f.Path == "" {
			f.Path = l.Path
		}
	}
	if f.Count == 0 {
		f.Count = max(1, len(f.Locations))
	}
	if !f.Severity.Valid() {
		f.Severity = bianque.VulnInfo
	}
	f.Key = bianque.FindingKey(f)
}
