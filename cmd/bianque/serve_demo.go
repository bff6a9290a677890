package main

import (
	"context"
	"log/slog"

	"bianque"
	"bianque/demo"
	"bianque/ingest"
	"bianque/queue"
)

// startDemoLogs has the demo hospitals' devices send raw logs through the
// whole ingestion path — the queue, parsing, masking, enrichment, the event
// store and detection by the demo's Sigma rules, stored as each hospital's
// custom rules — so that events and alerts arrive as they would from real
// devices.
func startDemoLogs(ctx context.Context, cfg *serveConfig, store bianque.Store, rules bianque.RuleService, ing *ingestRuntime, clock bianque.Clock, log *slog.Logger) {
	if cfg.demoEvents <= 0 {
		return
	}
	if rules != nil {
		if err := demo.InstallRules(ctx, rules, store); err != nil {
			log.Warn("demo rules", "err", err)
		}
	}
	logs, err := demo.NewLogs(ctx, store, uint64(clock.Now().UnixNano()))
	if err != nil {
		log.Warn("demo logs", "err", err)
		return
	}
	q := ing.srv.Queue()
	publish := func(ctx context.Context, lines []demo.LogLine) error {
		now := clock.Now()
		msgs := make([]queue.Message, len(lines))
		for i, l := range lines {
			r := ingest.Raw{ID: bianque.NewIDAt(now), TenantID: l.TenantID, Received: now, Transport: ingest.TransportUDP, Peer: "demo", Data: l.Data}
			msgs[i] = queue.Message{ID: r.ID, Key: r.TenantID, Data: ingest.AppendRaw(nil, &r)}
		}
		return q.Publish(ctx, msgs)
	}
	go demo.LogStream(ctx, logs, clock, cfg.demoEvents, 4*cfg.demoInterval, publish, func(err error) { log.Warn("demo logs", "err", err) })
}
