package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"bianque"
	"bianque/demo"
	"bianque/discover"
	"bianque/discover/capture"
	"bianque/discover/inventory"
	"bianque/discover/pipeline"
	"bianque/discover/sample"
	"bianque/discover/sensor"
	"bianque/ingest"
	"bianque/service"
)

// discoveryService wires passive discovery: sensors' sightings into the
// ledger, baseline anomalies into the alert flow. It is nil (and the
// device pages absent) for a store without the discovery tables.
func discoveryService(svcs *service.Services, log *slog.Logger) *service.DiscoveryService {
	disc, err := service.NewDiscoveryService(svcs, service.NewAlertService(svcs))
	if err != nil {
		log.Warn("passive discovery unavailable", "err", err)
		return nil
	}
	return disc
}

// collectorDiscovery feeds the sightings and flow summaries that approved
// collectors forward (their passive sensors: bianque collect --sniff,
// --pcap, --flows-listen) into the same discovery path as a sensor on the
// platform: asset ledger (source passive), inventory, communication map,
// baselines and anomaly alerts, in the collector's tenant. It acts as the
// collector, like any sensor of the platform: a provider-side principal
// assigned to that tenant only and narrowed to reading the tenant and writing
// assets and asset-confirmation tickets (which hospital staff cannot raise),
// so that every write is authorised and audited as "collector:<name>".
// Nothing here starts a scan.
type collectorDiscovery struct{ disc *service.DiscoveryService }

// collectorDiscoveryReceiver is the ingest side's receiver (nil without
// discovery: the batches are then counted and dropped).
func collectorDiscoveryReceiver(d *service.DiscoveryService) ingest.DiscoveryReceiver {
	if d == nil {
		return nil
	}
	return collectorDiscovery{disc: d}
}

// collectorPermissions are what a collector's sensor may do in its tenant.
var collectorPermissions = []bianque.Permission{bianque.PermTenantRead, bianque.PermAssetRead, bianque.PermAssetWrite,
	bianque.PermTicketRead, bianque.PermTicketCreate}

func (c collectorDiscovery) ReceiveDiscovery(ctx context.Context, comp *bianque.Component, b *discover.Batch) error {
	p := &bianque.Principal{UserID: "component:" + comp.ID, Username: "collector:" + comp.Name, Role: bianque.RoleServiceManager,
		Tenants: []string{comp.TenantID}, Permissions: collectorPermissions, SourceIP: hostOf(comp.Address)}
	return c.disc.Ingest(bianque.NewContextWithPrincipal(ctx, p), comp.TenantID, "collector:"+comp.ID, b.At, b.Devices, b.Flows)
}

// hostOf strips the port of a remote address.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// saveBaselines writes the baselines' learning state on shutdown.
func saveBaselines(ctx context.Context, disc *service.DiscoveryService, log *slog.Logger) {
	if err := disc.SaveBaselines(context.WithoutCancel(ctx)); err != nil {
		log.Warn("save discovery baselines", "err", err)
	}
}

// discoveryHTTP hands the service to the HTTP layer (nil: no routes).
func discoveryHTTP(d *service.DiscoveryService) inventory.Service {
	if d == nil {
		return nil
	}
	return d
}

// demoDiscovery gives the first demo hospital discovered devices the way a
// hospital gets them: generated traffic of a small network (discover/sample)
// runs through a sensor into the platform, hour by hour over the last six
// hours, with the hospital's site map and a two-hour learning period; in
// the last hour an infusion pump contacts an unknown internet host, which
// raises an alert and a threat ticket.
func demoDiscovery(ctx context.Context, store bianque.Store, disc *service.DiscoveryService, res *demo.Result, now time.Time) error {
	if disc == nil || len(res.Tenants) == 0 {
		return nil
	}
	tn := res.Tenants[0]
	var manager *bianque.User
	for _, a := range res.Accounts {
		if a.Role == bianque.RoleServiceManager {
			u, err := store.UserByUsername(ctx, a.Username)
			if err != nil {
				return err
			}
			manager = u
			break
		}
	}
	if manager == nil {
		return errors.New("no demo service manager to act as the sensor")
	}
	p := manager.Principal()
	p.SourceIP = "127.0.0.1"
	actx := bianque.NewContextWithPrincipal(ctx, p)
	st, err := disc.Settings(actx, tn.ID)
	if err != nil {
		return err
	}
	st.SiteMap, st.LearningHours = sample.SiteMap(), 2
	if _, _, err := disc.UpdateSettings(actx, tn.ID, st); err != nil {
		return err
	}
	sink, err := disc.Sink(actx, tn.ID, "demo-sensor")
	if err != nil {
		return err
	}
	enr, err := pipeline.NewEnricher(pipeline.EnrichOptions{})
	if err != nil {
		return err
	}
	cfg := sensor.DefaultConfig()
	cfg.Sink, cfg.Enrich = sink, enr.Enrich
	eng := sensor.New(cfg)
	start := now.Add(-6 * time.Hour).Truncate(time.Hour)
	for h := 0; h < 6; h++ {
		opt := sample.Options{Start: start.Add(time.Duration(h) * time.Hour)}
		if h == 5 {
			opt.NewInternetDestination = "update-check.example.net"
		}
		b, err := sample.Hour(opt)
		if err != nil {
			return err
		}
		src, err := capture.Open(bytes.NewReader(b))
		if err != nil {
			return err
		}
		for {
			fr, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("demo traffic: %w", err)
			}
			eng.Packet(fr.Link, fr.Data, fr.Time)
		}
		if err := eng.Flush(actx); err != nil {
			return fmt.Errorf("demo discovery: %w", err)
		}
	}
	return nil
}
