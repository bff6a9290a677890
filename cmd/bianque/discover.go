package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"bianque/discover"
	"bianque/discover/allowlist"
	"bianque/discover/pipeline"
)

func init() {
	register(&command{
		Name:    "discover",
		Summary: "passive device discovery from a capture or flow records",
		Usage: `Usage: bianque discover (--pcap FILE | --flows FILE | --interface IFACE) [flags]

Reads traffic passively and prints one JSON document:
  {"devices":[{"ip","macs":[],"vendor","names":[],"os","device_type","confidence",
               "identities":{...}, ...}],
   "flows":[{"client","server","transport","port","app":[]}, ...],
   "stats":{...}}

--pcap reads a pcap or pcapng file ("-" for standard input).
--flows reads flow records: a Zeek conn.log (TSV or JSON lines), an IPFIX
  file, or a pcap/pcapng capture of NetFlow v5/v9 or IPFIX export packets.
--interface captures live from a network interface (AF_PACKET, Linux, root)
  for --duration; it never transmits.`,
		Run: runDiscover,
	})
}

func runDiscover(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["discover"]
	fs := newFlagSet(env, c)
	pcapFile := fs.String("pcap", "", "", "pcap or pcapng file to read (- for stdin)")
	flowsFile := fs.String("flows", "", "", "flow records file (Zeek conn.log, IPFIX, or a capture of NetFlow/IPFIX exports)")
	iface := fs.String("interface", "", "", "network interface for live capture")
	duration := fs.Duration("duration", "", 0, "live capture duration (0: until interrupted)")
	ouiFile := fs.String("oui", "BIANQUE_OUI", "", "IEEE OUI CSV to use instead of the built-in table")
	siteMap := fs.String("site-map", "BIANQUE_SITE_MAP", "", "JSON or CSV map of subnets/VLANs to departments and rooms")
	rulesDir := fs.String("rules", "BIANQUE_DISCOVER_RULES", "", "directory of extra classification rules (YAML)")
	pretty := fs.Bool("pretty", "", false, "indent the JSON output")
	allow := fs.String("allowlist", "", "", "print the segmentation allow-list generated from the traffic instead of the report: nft, csv, table or json")
	if err := fs.parse(args); err != nil {
		return err
	}
	n := 0
	for _, s := range []string{*pcapFile, *flowsFile, *iface} {
		if s != "" {
			n++
		}
	}
	if n != 1 || fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "bianque discover: give exactly one of --pcap, --flows or --interface")
		fs.Usage()
		return errUsage
	}
	enrich, err := pipeline.NewEnricher(pipeline.EnrichOptions{OUIFile: *ouiFile, SiteMapFile: *siteMap, RulesDir: *rulesDir})
	if err != nil {
		return err
	}
	opt := pipeline.Options{Enrich: enrich.Enrich}
	var rep *discover.Report
	switch {
	case *pcapFile != "":
		in := env.Stdin
		if *pcapFile != "-" {
			f, err := os.Open(*pcapFile)
			if err != nil {
				return fmt.Errorf("open capture: %w", err)
			}
			defer f.Close()
			in = f
		}
		rep, err = pipeline.Pcap(ctx, in, opt)
	case *flowsFile != "":
		f, ferr := os.Open(*flowsFile)
		if ferr != nil {
			return fmt.Errorf("open flow records: %w", ferr)
		}
		defer f.Close()
		rep, err = pipeline.Flows(ctx, f, opt)
	default:
		rep, err = pipeline.Live(ctx, *iface, *duration, opt)
	}
	if rep == nil {
		return err
	}
	if *allow != "" {
		pol := allowlist.Generate(rep, allowlist.Options{})
		switch *allow {
		case "nft":
			fmt.Fprint(env.Stdout, pol.Nftables())
		case "csv":
			fmt.Fprint(env.Stdout, pol.CSV())
		case "table":
			fmt.Fprint(env.Stdout, pol.Table())
		case "json":
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			if encErr := enc.Encode(pol); encErr != nil {
				return fmt.Errorf("write allow-list: %w", encErr)
			}
		default:
			return fmt.Errorf("--allowlist %q: want nft, csv, table or json", *allow)
		}
		return err
	}
	enc := json.NewEncoder(env.Stdout)
	if *pretty {
		enc.SetIndent("", "  ")
	}
	if encErr := enc.Encode(rep); encErr != nil {
		return fmt.Errorf("write report: %w", encErr)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		// The report holds what was read before the error; still fail.
		return err
	}
	return nil
}
