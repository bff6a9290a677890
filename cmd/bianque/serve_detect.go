package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"bianque"
	"bianque/detect"
	"bianque/detect/alert"
	"bianque/detect/attack"
	"bianque/detect/detector"
	"bianque/detect/logsource"
	"bianque/detect/ruleset"
	"bianque/pipeline"
	"bianque/service"
)

// Detection in bianque serve: the rule directories (--rules, SigmaHQ's
// layout, read in place), reserved directories that run only where enabled
// (--rules-reserved, e.g. rules-threat-hunting), the ATT&CK technique table
// for coverage (--attack), mapping extensions and placeholder values
// (--detect-config, as bianque detect --config), and aggregation settings.

type detectServeConfig struct {
	rules, reserved []string
	attack          string
	config          string
	window          time.Duration
	ticketLevel     string
}

func splitPaths(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// detectFlags defines the detection flags of serve; the returned function
// reads them after parsing.
func detectFlags(fs *flagSet) func() detectServeConfig {
	rules := fs.String("rules", "BIANQUE_RULES", "", "comma-separated Sigma rule directories run for every hospital (e.g. a SigmaHQ checkout's rules,rules-emerging-threats); reloaded when they change")
	reserved := fs.String("rules-reserved", "BIANQUE_RULES_RESERVED", "", "comma-separated rule directories that run only where a hospital enables them or a protection period lists them (e.g. rules-threat-hunting)")
	attackFile := fs.String("attack", "BIANQUE_ATTACK", "", "ATT&CK technique table (enterprise-techniques.json) for coverage against every technique")
	config := fs.String("detect-config", "BIANQUE_DETECT_CONFIG", "", "YAML file with log-source mapping extensions and placeholder values (as bianque detect --config)")
	window := fs.Duration("alert-window", "BIANQUE_ALERT_WINDOW", 10*time.Minute, "repeats of an alert (same rule, attacker and victim) within this time fold into it")
	ticketLevel := fs.String("alert-ticket-level", "BIANQUE_ALERT_TICKET_LEVEL", "high", "lowest alert level that opens a threat ticket by itself")
	return func() detectServeConfig {
		return detectServeConfig{rules: splitPaths(*rules), reserved: splitPaths(*reserved), attack: *attackFile, config: *config,
			window: *window, ticketLevel: *ticketLevel}
	}
}

// detection is the detection side of a running bianque serve.
type detection struct {
	det        *detector.Detector
	alerts     *service.AlertService
	rules      *service.RuleService
	indicators *service.IndicatorService
}

// startDetection builds this node's detection over the store and loads
// the rules and the store's detection data. Without a store that keeps
// detection data it returns nil.
func startDetection(ctx context.Context, cfg detectServeConfig, store bianque.Store, svcs *service.Services, clock bianque.Clock, log *slog.Logger) (*detection, error) {
	ds, ok := store.(detector.Store)
	if !ok {
		log.Warn("detection not running: the store keeps no detection data")
		return nil, nil
	}
	level := bianque.AlertLevel(cfg.ticketLevel)
	if !level.Valid() {
		return nil, fmt.Errorf("--alert-ticket-level %q: want informational, low, medium, high or critical", cfg.ticketLevel)
	}
	opts := detect.Options{}
	if cfg.config != "" {
		data, err := os.ReadFile(cfg.config)
		if err != nil {
			return nil, fmt.Errorf("--detect-config: %w", err)
		}
		var dc detectConfig
		if err := yaml.Unmarshal(data, &dc); err != nil {
			return nil, fmt.Errorf("--detect-config %s: %w", cfg.config, err)
		}
		opts.Placeholders = dc.Placeholders
		if opts.Mapping, err = logsource.New(data); err != nil {
			return nil, fmt.Errorf("--detect-config %s: %w", cfg.config, err)
		}
	}
	var matrix *attack.Matrix
	if cfg.attack != "" {
		f, err := os.Open(cfg.attack)
		if err != nil {
			return nil, fmt.Errorf("--attack: %w", err)
		}
		matrix, err = attack.Load(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--attack %s: %w", cfg.attack, err)
		}
	}
	var sources []ruleset.Source
	for _, p := range cfg.rules {
		sources = append(sources, ruleset.Source{Path: p})
	}
	for _, p := range cfg.reserved {
		sources = append(sources, ruleset.Source{Path: p, Reserved: true})
	}
	if len(sources) == 0 {
		log.Warn("no rule directories (--rules): detection runs the hospitals' custom rules and indicators only")
	}
	node, _ := os.Hostname()
	alerts := service.NewAlertService(svcs)
	det, err := detector.New(detector.Config{Sources: sources, Engine: opts, Matrix: matrix, Store: ds, Tickets: alerts, Clock: clock,
		Log: log.With("area", "detect"), Node: node, Alerts: alert.Config{Window: cfg.window, TicketLevel: level}})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := det.Start(ctx); err != nil {
		return nil, fmt.Errorf("detection: %w", err)
	}
	st := det.Status()
	log.Info("detection ready", "rules", st.Rules, "correlations", st.Correlations, "custom", st.CustomRules, "indicators", st.Indicators,
		"problems", st.ProblemCount, "took", time.Since(start).Round(time.Millisecond))
	alerts.Detection = det
	return &detection{det: det, alerts: alerts, rules: service.NewRuleService(svcs, det), indicators: service.NewIndicatorService(svcs, det)}, nil
}

// services returns the detection services for the HTTP server (nil ones
// when detection does not run).
func (d *detection) services() (bianque.AlertService, bianque.RuleService, bianque.IndicatorService) {
	if d == nil {
		return nil, nil, nil
	}
	return d.alerts, d.rules, d.indicators
}

// stage returns detection as the ingestion pipeline's detector stage (nil
// when detection does not run).
func (d *detection) stage() pipeline.Detector {
	if d == nil {
		return nil
	}
	return d.det
}

// run keeps detection in step with the store and the rule directories.
func (d *detection) run(ctx context.Context) {
	if d != nil {
		d.det.Run(ctx)
	}
}

// addJobs registers detection's periodic jobs: feed polls every minute
// (each feed at its own period), expiry of indicators and of aggregation
// windows every hour.
func (d *detection) addJobs(r *service.JobRunner, log *slog.Logger) {
	if d == nil || r == nil {
		return
	}
	for _, j := range []service.Job{
		{Name: "intel.poll", Every: time.Minute, Run: d.indicators.PollFeeds},
		{Name: "detect.expire", Every: time.Hour, Run: d.indicators.ExpireDetection},
	} {
		if err := r.Add(j); err != nil {
			log.Error("periodic job", "err", err)
		}
	}
}
