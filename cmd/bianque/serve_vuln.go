package main

import (
	"log/slog"
	"os"
	"time"

	"bianque"
	"bianque/service"
)

// vulnServices wires the finding and scan services: retests re-probe
// through the tenant's stored scan scopes.
func vulnServices(svcs *service.Services) (*service.FindingService, *service.ScanService) {
	findings := service.NewFindingService(svcs, nil, nil)
	scans := service.NewScanService(svcs, findings)
	if h, err := os.Hostname(); err == nil {
		scans.Node = h
	}
	findings.Prober = scans.Prober()
	return findings, scans
}

// jobRunner returns the periodic jobs of this node: overdue reminders and
// risk-acceptance expiry (hourly), stale scan jobs (every 5 minutes). On
// PostgreSQL they run under advisory locks, so several nodes run each job
// once per period between them.
func jobRunner(store bianque.Store, clock bianque.Clock, log *slog.Logger, findings *service.FindingService, scans *service.ScanService) *service.JobRunner {
	js, ok := store.(bianque.JobRunStore)
	if !ok {
		return nil
	}
	var locker service.Locker = &service.LocalLocker{}
	if l, ok := store.(service.Locker); ok {
		locker = l
	}
	r := &service.JobRunner{Store: js, Locker: locker, Clock: clock, Tick: time.Minute, Log: log}
	for _, j := range []service.Job{
		{Name: "finding.overdue", Every: time.Hour, Run: findings.RemindOverdue},
		{Name: "scan.reap_stale", Every: service.StaleAfter, Run: scans.ReapStale},
	} {
		if err := r.Add(j); err != nil {
			log.Error("periodic job", "err", err)
		}
	}
	return r
}
