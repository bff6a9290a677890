package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"bianque"
	"bianque/vuln"
	"bianque/vuln/importer"
)

func init() {
	register(&command{
		Name:    "vuln",
		Summary: "import scanner reports, match assets to CVEs",
		Usage: `Usage:
  bianque vuln import [--format F] FILE...
      Reads scanner reports (format detected from the content unless given) and
      writes one JSON object per finding to stdout. "-" reads stdin.
  bianque vuln match --nvd FILE [--nvd FILE...] --kev FILE [--csaf DIR] --asset 'product=…,version=…'
      Matches an asset fingerprint against NVD CVE API 2.0 records, the CISA KEV
      catalog and CISA CSAF advisories; writes one JSON object per matched CVE
      with the reason. --asset may repeat; keys: product, version, vendor, name,
      cpe (repeatable: firmware and hardware).
  bianque vuln formats
      Lists the report formats.`,
		Run: runVuln,
	})
}

func runVuln(ctx context.Context, env *cmdEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, strings.TrimSpace(commands["vuln"].Usage))
		return errUsage
	}
	switch args[0] {
	case "import":
		return vulnImport(env, args[1:])
	case "match":
		return vulnMatch(env, args[1:])
	case "formats":
		for _, f := range importer.Formats() {
			fmt.Fprintf(env.Stdout, "%-14s %s\n", f.Name, f.Scanner)
		}
		return nil
	}
	fmt.Fprintf(env.Stderr, "bianque vuln: unknown subcommand %q\n", args[0])
	return errUsage
}

// findingOut is the import contract of issue 6 item 7: these keys are always
// present.
type findingOut struct {
	Title            string             `json:"title"`
	Severity         string             `json:"severity"`
	CVEs             []string           `json:"cves"`
	CVSSScore        *float64           `json:"cvss_score"`
	CVSSVector       string             `json:"cvss_vector"`
	Host             string             `json:"host"`
	Port             *int               `json:"port"`
	Protocol         string             `json:"protocol"`
	Component        string             `json:"component"`
	ComponentVersion string             `json:"component_version"`
	Scanner          string             `json:"scanner"`
	PluginID         string             `json:"plugin_id"`
	Description      string             `json:"description"`
	Solution         string             `json:"solution"`
	References       []string           `json:"references"`
	Count            int                `json:"count"`
	IDs              []string           `json:"ids,omitempty"`
	CWEs             []int              `json:"cwes,omitempty"`
	Service          string             `json:"service,omitempty"`
	Path             string             `json:"path,omitempty"`
	Locations        []bianque.Location `json:"locations,omitempty"`
	Evidence         string             `json:"evidence,omitempty"`
	EPSS             float64            `json:"epss,omitempty"`
	Tags             []string           `json:"tags,omitempty"`
	Key              string             `json:"key"`
	File             string             `json:"file,omitempty"`
	Format           string             `json:"format,omitempty"`
}

func toOut(f *bianque.Finding, file, format string) findingOut {
	o := findingOut{
		Title: f.Title, Severity: string(f.Severity), CVEs: f.CVEs, CVSSVector: f.CVSSVector, Host: f.Host, Protocol: f.Protocol,
		Component: f.Component, ComponentVersion: f.ComponentVersion, Scanner: f.Scanner, PluginID: f.PluginID,
		Description: f.Description, Solution: f.Solution, References: f.References, Count: f.Count, IDs: f.IDs, CWEs: f.CWEs,
		Service: f.Service, Path: f.Path, Locations: f.Locations, Evidence: f.Evidence, EPSS: f.EPSS, Tags: f.Tags, Key: f.Key,
		File: file, Format: format,
	}
	if f.CVSSScore > 0 {
		s := f.CVSSScore
		o.CVSSScore = &s
	}
	if f.Port > 0 {
		p := f.Port
		o.Port = &p
	}
	if o.CVEs == nil {
		o.CVEs = []string{}
	}
	if o.References == nil {
		o.References = []string{}
	}
	return o
}

func vulnImport(env *cmdEnv, args []string) error {
	c := &command{Name: "vuln import", Usage: commands["vuln"].Usage}
	fs := newFlagSet(env, c)
	format := fs.String("format", "", "", "report format (see 'bianque vuln formats'); detected when empty")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(env.Stderr, "bianque vuln import: no report files given")
		return errUsage
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, name := range fs.Args() {
		var data []byte
		var err error
		if name == "-" {
			data, err = io.ReadAll(env.Stdin)
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "bianque vuln import: %v\n", err)
			failed++
			continue
		}
		res, err := importer.Parse(data, filepath.Base(name), *format)
		if err != nil {
			fmt.Fprintf(env.Stderr, "bianque vuln import: %s\n", bianque.ErrorMessage(err)+errDetail(err))
			failed++
			continue
		}
		for _, f := range res.Findings {
			if err := enc.Encode(toOut(f, name, res.Format)); err != nil {
				return err
			}
		}
		for _, s := range res.Skipped {
			fmt.Fprintf(env.Stderr, "bianque vuln import: %s: skipped %s\n", name, s)
		}
		fmt.Fprintf(env.Stderr, "%s: %s, %d findings, %d skipped items\n", name, res.Format, len(res.Findings), len(res.Skipped))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d reports could not be read", failed, fs.NArg())
	}
	return nil
}

// errDetail adds the wrapped cause of a non-domain error.
func errDetail(err error) string {
	if bianque.ErrorCode(err) == bianque.EINTERNAL {
		return ": " + err.Error()
	}
	return ""
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func vulnMatch(env *cmdEnv, args []string) error {
	c := &command{Name: "vuln match", Usage: commands["vuln"].Usage}
	fs := newFlagSet(env, c)
	var nvdFiles, assets multiFlag
	fs.Var(&nvdFiles, "nvd", "NVD CVE API 2.0 JSON file (a response page or a record); repeatable")
	fs.Var(&assets, "asset", "asset fingerprint 'product=…,version=…[,vendor=…][,cpe=…]'; repeatable")
	kevFile := fs.String("kev", "BIANQUE_KEV", "", "CISA KEV catalog JSON (known_exploited_vulnerabilities.json)")
	csafDir := fs.String("csaf", "BIANQUE_CSAF", "", "directory of CISA CSAF advisories (*.json)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if len(assets) == 0 {
		fmt.Fprintln(env.Stderr, "bianque vuln match: --asset is required")
		return errUsage
	}
	m := &vuln.Matcher{}
	for _, f := range nvdFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		cves, err := vuln.ParseNVD(b)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		m.CVEs = append(m.CVEs, cves...)
	}
	if *kevFile != "" {
		b, err := os.ReadFile(*kevFile)
		if err != nil {
			return err
		}
		if m.KEV, err = vuln.ParseKEV(b); err != nil {
			return fmt.Errorf("%s: %w", *kevFile, err)
		}
	}
	if *csafDir != "" {
		files, err := filepath.Glob(filepath.Join(*csafDir, "*.json"))
		if err != nil {
			return err
		}
		sort.Strings(files)
		for _, f := range files {
			if filepath.Base(f) == "manifest.json" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			a, err := vuln.ParseCSAF(b)
			if err != nil {
				fmt.Fprintf(env.Stderr, "bianque vuln match: skipped %s: %v\n", f, err)
				continue
			}
			m.Advisories = append(m.Advisories, a)
		}
	}
	if len(m.CVEs) == 0 && len(m.Advisories) == 0 {
		return bianque.Errorf(bianque.EINVALID, "nothing to match against: give --nvd and/or --csaf")
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	for _, spec := range assets {
		t, err := vuln.ParseTarget(spec)
		if err != nil {
			return bianque.Errorf(bianque.EINVALID, "%v", err)
		}
		matches := m.Match(t)
		for _, x := range matches {
			out := struct {
				Asset string `json:"asset"`
				vuln.Match
			}{spec, x}
			if err := enc.Encode(out); err != nil {
				return err
			}
		}
		fmt.Fprintf(env.Stderr, "%s: %d matching CVEs (%d NVD records, %d advisories searched)\n", spec, len(matches), len(m.CVEs), len(m.Advisories))
	}
	return nil
}
