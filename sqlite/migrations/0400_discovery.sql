-- Passive discovery: the latest record of every discovered device, the
-- communication map aggregates, and the baseline learning state. Times are
-- integer nanoseconds since the Unix epoch (UTC).

CREATE TABLE discovered_devices (
	tenant_id        TEXT NOT NULL REFERENCES tenants (id),
	device_key       TEXT NOT NULL,            -- IP address, or "mac:<mac>" for MAC-only devices
	asset_id         TEXT NOT NULL DEFAULT '', -- the ledger entry the device feeds
	device_type      TEXT NOT NULL DEFAULT '',
	kind             TEXT NOT NULL DEFAULT '',
	vendor           TEXT NOT NULL DEFAULT '',
	os               TEXT NOT NULL DEFAULT '',
	software_version TEXT NOT NULL DEFAULT '',
	record           TEXT NOT NULL,            -- JSON discover.Device
	first_seen       INTEGER NOT NULL,
	last_seen        INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, device_key)
) STRICT;

CREATE INDEX discovered_devices_type ON discovered_devices (tenant_id, device_type);

CREATE TABLE discovered_flows (
	tenant_id   TEXT NOT NULL REFERENCES tenants (id),
	client      TEXT NOT NULL,
	server      TEXT NOT NULL,
	transport   TEXT NOT NULL,
	port        INTEGER NOT NULL,
	apps        TEXT NOT NULL,               -- JSON list
	category    TEXT NOT NULL DEFAULT '',
	clinical    INTEGER NOT NULL DEFAULT 0,
	internet    INTEGER NOT NULL DEFAULT 0,
	connections INTEGER NOT NULL DEFAULT 0,
	packets     INTEGER NOT NULL DEFAULT 0,
	bytes       INTEGER NOT NULL DEFAULT 0,
	record      TEXT NOT NULL,               -- JSON: server name, risks, details of the latest summary
	first_seen  INTEGER NOT NULL,
	last_seen   INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, client, server, transport, port)
) STRICT;

CREATE INDEX discovered_flows_server ON discovered_flows (tenant_id, server);

CREATE TABLE discovery_baselines (
	tenant_id  TEXT NOT NULL REFERENCES tenants (id),
	sensor     TEXT NOT NULL,                -- the sensor (collector) whose traffic was learnt
	state      TEXT NOT NULL,                -- JSON baseline.State
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, sensor)
) STRICT;
