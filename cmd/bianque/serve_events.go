package main

import (
	"log/slog"
	"time"

	"bianque/service"
)

// addEventJobs registers the retention of events (R2.4): every hour, each
// tenant's partitions past its retention are dropped and recorded in its
// audit chain.
func addEventJobs(r *service.JobRunner, events *service.EventService, log *slog.Logger) {
	if err := r.Add(service.Job{Name: "event.retention", Every: time.Hour, Run: events.EnforceRetention}); err != nil {
		log.Error("periodic job", "err", err)
	}
}
