-- Findings (vulnerabilities) of the tenants' assets, deduplicated by
-- (tenant, key): asset + service + vulnerability (bianque.FindingKey).
-- The queryable fields are columns; the whole finding is in data (JSON).
CREATE TABLE findings (
	id            text COLLATE "C" PRIMARY KEY,
	tenant_id     text COLLATE "C" NOT NULL REFERENCES tenants (id),
	asset_id      text NOT NULL DEFAULT '',
	key           text NOT NULL,
	title         text NOT NULL,
	severity      text NOT NULL,
	state         text NOT NULL,
	priority      text NOT NULL DEFAULT '',
	host          text NOT NULL DEFAULT '',
	port          integer NOT NULL DEFAULT 0,
	component     text NOT NULL DEFAULT '',
	cves          text NOT NULL DEFAULT '',
	kev           boolean NOT NULL DEFAULT false,
	due_at        timestamptz,
	first_seen    timestamptz NOT NULL,
	last_seen     timestamptz NOT NULL,
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL,
	version       bigint NOT NULL,
	data          jsonb NOT NULL,
	UNIQUE (tenant_id, key)
);
CREATE INDEX findings_tenant ON findings (tenant_id, id);
CREATE INDEX findings_tenant_state ON findings (tenant_id, state, id);
CREATE INDEX findings_tenant_asset ON findings (tenant_id, asset_id, id);
