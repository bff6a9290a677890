-- Alerts raised by detection (rules, correlations, indicators), one row per
-- aggregated alert (tenant, dedup key, window). The queryable fields are
-- columns; the whole alert is in data (JSON).
CREATE TABLE alerts (
	id           text COLLATE "C" PRIMARY KEY,
	tenant_id    text COLLATE "C" NOT NULL REFERENCES tenants (id),
	kind         text NOT NULL,
	rule_id      text NOT NULL,
	level        text NOT NULL,
	level_rank   integer NOT NULL,
	status       text NOT NULL,
	category     text NOT NULL DEFAULT '',
	dedup_key    text NOT NULL,
	attacker_ip  text NOT NULL DEFAULT '',
	victim_ip    text NOT NULL DEFAULT '',
	victim_host  text NOT NULL DEFAULT '',
	count        bigint NOT NULL,
	ticket_id    text NOT NULL DEFAULT '',
	first_seen   timestamptz NOT NULL,
	last_seen    timestamptz NOT NULL,
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL,
	version      bigint NOT NULL,
	data         jsonb NOT NULL
);
CREATE INDEX alerts_tenant ON alerts (tenant_id, id);
CREATE INDEX alerts_tenant_status ON alerts (tenant_id, status, id);
CREATE INDEX alerts_tenant_rule ON alerts (tenant_id, rule_id, id);
CREATE INDEX alerts_tenant_last_seen ON alerts (tenant_id, last_seen);

-- Suppressions of alerts confirmed as false positives (R5.2 whitelist);
-- tenant_id NULL applies to every tenant.
CREATE TABLE alert_suppressions (
	id          text COLLATE "C" PRIMARY KEY,
	tenant_id   text COLLATE "C" REFERENCES tenants (id),
	rule_id     text NOT NULL DEFAULT '',
	expires_at  timestamptz NOT NULL,
	created_at  timestamptz NOT NULL,
	data        jsonb NOT NULL
);
CREATE INDEX alert_suppressions_tenant ON alert_suppressions (tenant_id, expires_at);
