-- Passive discovery on the platform: a small summary of every device for the
-- inventory, each hospital's discovery settings (site map, acceptable
-- clinical risk, learning period), and the anomalies the baselines reported
-- with the alerts they raised.

ALTER TABLE discovered_devices ADD COLUMN summary jsonb NOT NULL DEFAULT '{}';

CREATE TABLE discovery_settings (
	tenant_id  text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES tenants (id),
	settings   jsonb NOT NULL,              -- ledger.Settings
	version    bigint NOT NULL,
	updated_by text NOT NULL DEFAULT '',
	updated_at timestamptz NOT NULL
);

CREATE TABLE discovery_anomalies (
	tenant_id  text COLLATE "C" NOT NULL REFERENCES tenants (id),
	id         text COLLATE "C" NOT NULL,
	device_key text NOT NULL,
	kind       text NOT NULL,
	dedup_key  text NOT NULL,               -- tenant, rule, peer, device: repeats fold into one alert
	alert_id   text NOT NULL DEFAULT '',
	record     jsonb NOT NULL,              -- ledger.AnomalyRecord
	at         timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, id)
);

CREATE INDEX discovery_anomalies_device ON discovery_anomalies (tenant_id, device_key, at);
CREATE INDEX discovery_anomalies_dedup ON discovery_anomalies (tenant_id, dedup_key, at);
