-- Ingestion: connected components (collectors, firewalls, probes, EDR,
-- scanners, XDR) with their enrolment, certificate and activity (R2.1, R2.3),
-- and dead letters: input the pipeline could not turn into events.

CREATE TABLE components (
	id                 TEXT PRIMARY KEY,
	tenant_id          TEXT NOT NULL REFERENCES tenants (id),
	name               TEXT NOT NULL,
	kind               TEXT NOT NULL,
	state              TEXT NOT NULL,
	vendor             TEXT NOT NULL DEFAULT '',
	product            TEXT NOT NULL DEFAULT '',
	address            TEXT NOT NULL DEFAULT '',
	software_version   TEXT NOT NULL DEFAULT '',
	csr                TEXT NOT NULL DEFAULT '',
	cert_serial        TEXT NOT NULL DEFAULT '',
	cert_pem           TEXT NOT NULL DEFAULT '',
	cert_not_after     INTEGER,
	enroll_secret_hash TEXT NOT NULL DEFAULT '',
	token_hash         TEXT NOT NULL DEFAULT '',
	events_total       INTEGER NOT NULL DEFAULT 0,
	errors_total       INTEGER NOT NULL DEFAULT 0,
	events_per_second  REAL NOT NULL DEFAULT 0,
	backlog_events     INTEGER NOT NULL DEFAULT 0,
	last_error         TEXT NOT NULL DEFAULT '',
	last_seen          INTEGER,
	approved_by        TEXT NOT NULL DEFAULT '',
	approved_at        INTEGER,
	revoked_by         TEXT NOT NULL DEFAULT '',
	revoked_at         INTEGER,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	version            INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX components_tenant ON components (tenant_id, id);
CREATE UNIQUE INDEX components_token ON components (token_hash) WHERE token_hash <> '';
CREATE UNIQUE INDEX components_cert ON components (cert_serial) WHERE cert_serial <> '';

-- tenant_id is NULL for input no tenant could be attributed to.
CREATE TABLE dead_letters (
	id           TEXT PRIMARY KEY,
	tenant_id    TEXT REFERENCES tenants (id),
	component_id TEXT NOT NULL DEFAULT '',
	source       TEXT NOT NULL DEFAULT '',
	received_at  INTEGER NOT NULL,
	stage        TEXT NOT NULL,
	reason       TEXT NOT NULL,
	raw          TEXT NOT NULL,
	created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX dead_letters_tenant ON dead_letters (tenant_id, id);
