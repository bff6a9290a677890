-- Passive discovery: the latest record of every discovered device, the
-- communication map aggregates, and the baseline learning state.

CREATE TABLE discovered_devices (
	tenant_id        text COLLATE "C" NOT NULL REFERENCES tenants (id),
	device_key       text NOT NULL,            -- IP address, or "mac:<mac>" for MAC-only devices
	asset_id         text NOT NULL DEFAULT '', -- the ledger entry the device feeds
	device_type      text NOT NULL DEFAULT '',
	kind             text NOT NULL DEFAULT '',
	vendor           text NOT NULL DEFAULT '',
	os               text NOT NULL DEFAULT '',
	software_version text NOT NULL DEFAULT '',
	record           jsonb NOT NULL,           -- discover.Device
	first_seen       timestamptz NOT NULL,
	last_seen        timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, device_key)
);

CREATE INDEX discovered_devices_type ON discovered_devices (tenant_id, device_type);

CREATE TABLE discovered_flows (
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id),
	client      text NOT NULL,
	server      text NOT NULL,
	transport   text NOT NULL,
	port        integer NOT NULL,
	apps        jsonb NOT NULL,
	category    text NOT NULL DEFAULT '',
	clinical    boolean NOT NULL DEFAULT false,
	internet    boolean NOT NULL DEFAULT false,
	connections bigint NOT NULL DEFAULT 0,
	packets     bigint NOT NULL DEFAULT 0,
	bytes       bigint NOT NULL DEFAULT 0,
	record      jsonb NOT NULL,               -- server name, risks, details of the latest summary
	first_seen  timestamptz NOT NULL,
	last_seen   timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, client, server, transport, port)
);

CREATE INDEX discovered_flows_server ON discovered_flows (tenant_id, server);

CREATE TABLE discovery_baselines (
	tenant_id  text COLLATE "C" NOT NULL REFERENCES tenants (id),
	sensor     text NOT NULL,                -- the sensor (collector) whose traffic was learnt
	state      jsonb NOT NULL,               -- baseline.State
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (tenant_id, sensor)
);
