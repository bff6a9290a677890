-- Passive discovery on the platform: a small summary of every device for the
-- inventory, each hospital's discovery settings (site map, acceptable
-- clinical risk, learning period), and the anomalies the baselines reported
-- with the alerts they raised. Times are integer nanoseconds (UTC).

ALTER TABLE discovered_devices ADD COLUMN summary TEXT NOT NULL DEFAULT '{}';

CREATE TABLE discovery_settings (
	tenant_id  TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
	settings   TEXT NOT NULL,               -- JSON ledger.Settings
	version    INTEGER NOT NULL,
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE discovery_anomalies (
	tenant_id  TEXT NOT NULL REFERENCES tenants (id),
	id         TEXT NOT NULL,
	device_key TEXT NOT NULL,
	kind       TEXT NOT NULL,
	dedup_key  TEXT NOT NULL,               -- tenant, rule, peer, device: repeats fold into one alert
	alert_id   TEXT NOT NULL DEFAULT '',
	record     TEXT NOT NULL,               -- JSON ledger.AnomalyRecord
	at         INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE INDEX discovery_anomalies_device ON discovery_anomalies (tenant_id, device_key, at);
CREATE INDEX discovery_anomalies_dedup ON discovery_anomalies (tenant_id, dedup_key, at);
