package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"bianque/detect"
	"bianque/detect/logsource"
	"bianque/detect/sigma"

	"gopkg.in/yaml.v3"
)

func init() {
	register(&command{
		Name:    "detect",
		Summary: "match events against Sigma rules",
		Usage: `Usage: bianque detect --rules DIR[,DIR...] [--config FILE] [EVENTS.jsonl]
       bianque detect --rules DIR[,DIR...] --check

Reads one JSON event per line (ECS, or raw Windows events shaped
{"Event":{"System":{...},"EventData":{...}}}) from EVENTS.jsonl or standard
input, and prints one JSON object per match:

  {"event":<0-based line>,"rule_id":"...","rule_title":"...","level":"..."}

A correlation rule prints the same keys plus "events", the lines of every
event that made it fire; "event" is the line that completed it (or the last
one of its window when it was decided as the window closed, at the end of
the input for the last windows).

--check loads the rules and prints every one that cannot be compiled, with
the reason, then exits with status 1 if there was any.

--config names a YAML file extending the log source and field tables (the
layout of detect/logsource/windows.yml and ecs.yml under "windows:" and
"ecs:") and giving placeholder values for the expand modifier:

  placeholders:
    Workstations: ['WS-*', 'PC-*']`,
		Run: runDetect,
	})
}

// detectConfig is the --config file.
type detectConfig struct {
	Placeholders map[string][]string `yaml:"placeholders"`
}

type detectMatch struct {
	Event     int64    `json:"event"`
	Events    []int64  `json:"events,omitempty"`
	RuleID    string   `json:"rule_id"`
	RuleTitle string   `json:"rule_title"`
	Level     string   `json:"level"`
	Reason    []string `json:"reason,omitempty"`
}

func runDetect(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["detect"]
	fs := newFlagSet(env, c)
	rulesFlag := fs.String("rules", "BIANQUE_RULES", "", "comma-separated rule directories or files")
	configFlag := fs.String("config", "BIANQUE_DETECT_CONFIG", "", "YAML file with mapping extensions and placeholder values")
	check := fs.Bool("check", "", false, "only compile the rules and report those that fail")
	reasons := fs.Bool("reason", "", false, "add the matched search identifiers to each match")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *rulesFlag == "" {
		fmt.Fprintln(env.Stderr, "bianque detect: --rules is required")
		return errUsage
	}
	var paths []string
	for _, p := range strings.Split(*rulesFlag, ",") {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, p)
		}
	}
	opts := detect.Options{}
	if *configFlag != "" {
		data, err := os.ReadFile(*configFlag)
		if err != nil {
			return fmt.Errorf("read config: %w", err)
		}
		var cfg detectConfig
		if err := yaml.Unmarshal(data, &cfg); err != nil {
			return fmt.Errorf("config %s: %w", *configFlag, err)
		}
		opts.Placeholders = cfg.Placeholders
		if opts.Mapping, err = logsource.New(data); err != nil {
			return fmt.Errorf("config %s: %w", *configFlag, err)
		}
	}
	rules, bad, err := detect.ReadRules(paths...)
	if err != nil {
		return err
	}
	eng := detect.New(opts)
	rs := eng.Load(rules)
	failed := append(bad, rs.Errors...)
	if *check {
		for _, f := range failed {
			id := ""
			if f.RuleID != "" {
				id = " (" + f.RuleID + ")"
			}
			fmt.Fprintf(env.Stdout, "%s%s: %s\n", f.Source, id, f.Reason)
		}
		for _, w := range rs.Warnings {
			fmt.Fprintf(env.Stderr, "warning: %s: %s\n", w.Source, w.Reason)
		}
		fmt.Fprintf(env.Stderr, "compiled %d detection rules (%d of them legacy aggregations run as correlations), %d correlation rules, %d filters; %d failed; %d warnings\n",
			rs.Loaded[sigma.KindDetection], rs.Legacy, rs.Loaded[sigma.KindCorrelation], rs.Loaded[sigma.KindFilter], len(failed), len(rs.Warnings))
		if len(failed) > 0 {
			return fmt.Errorf("%d rules cannot be compiled", len(failed))
		}
		return nil
	}
	for _, f := range failed {
		fmt.Fprintf(env.Stderr, "warning: rule not loaded: %s: %s\n", f.Source, f.Reason)
	}
	var in io.Reader = env.Stdin
	switch rest := fs.Args(); {
	case len(rest) > 1:
		fmt.Fprintln(env.Stderr, "bianque detect: one events file at most")
		return errUsage
	case len(rest) == 1 && rest[0] != "-":
		f, err := os.Open(rest[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	corr := detect.NewCorrelator(nil)
	var ms []detect.Match
	var cms []detect.CorrelationMatch
	emitCorr := func() error {
		for _, cm := range cms {
			dm := detectMatch{Event: cm.Seq, RuleID: cm.Rule.ID, RuleTitle: cm.Rule.Title, Level: cm.Rule.Level}
			for _, r := range cm.Events {
				if len(dm.Events) == 0 || dm.Events[len(dm.Events)-1] != r.Seq {
					dm.Events = append(dm.Events, r.Seq)
				}
			}
			if dm.Event < 0 && len(dm.Events) > 0 {
				dm.Event = dm.Events[len(dm.Events)-1]
			}
			if err := enc.Encode(dm); err != nil {
				return err
			}
		}
		cms = cms[:0]
		return nil
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var line int64 = -1
	badLines := 0
	for sc.Scan() {
		line++
		if line%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		text := sc.Bytes()
		if len(strings.TrimSpace(string(text))) == 0 {
			continue
		}
		ev, err := detect.ParseEvent(text)
		if err != nil {
			badLines++
			fmt.Fprintf(env.Stderr, "line %d: %v\n", line, err)
			continue
		}
		ms = eng.Match(ev, ms[:0])
		for _, m := range ms {
			if m.Rule.Internal {
				continue
			}
			dm := detectMatch{Event: line, RuleID: m.Rule.ID, RuleTitle: m.Rule.Title, Level: m.Rule.Level}
			if *reasons {
				dm.Reason = m.Reason
			}
			if err := enc.Encode(dm); err != nil {
				return err
			}
		}
		cms = corr.Feed(line, ms, cms)
		if err := emitCorr(); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	cms = corr.Flush(cms)
	if err := emitCorr(); err != nil {
		return err
	}
	if badLines > 0 {
		fmt.Fprintf(env.Stderr, "%d lines could not be parsed\n", badLines)
	}
	return nil
}
