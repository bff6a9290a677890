-- Ingestion: connected components (collectors, firewalls, probes, EDR,
-- scanners, XDR) with their enrolment, certificate and activity (R2.1, R2.3),
-- and dead letters: input the pipeline could not turn into events.

CREATE TABLE components (
	id                 text COLLATE "C" PRIMARY KEY,
	tenant_id          text NOT NULL REFERENCES tenants (id),
	name               text NOT NULL,
	kind               text NOT NULL,
	state              text NOT NULL,
	vendor             text NOT NULL DEFAULT '',
	product            text NOT NULL DEFAULT '',
	address            text NOT NULL DEFAULT '',
	software_version   text NOT NULL DEFAULT '',
	csr                text NOT NULL DEFAULT '',
	cert_serial        text NOT NULL DEFAULT '',
	cert_pem           text NOT NULL DEFAULT '',
	cert_not_after     timestamptz,
	enroll_secret_hash text NOT NULL DEFAULT '',
	token_hash         text NOT NULL DEFAULT '',
	events_total       bigint NOT NULL DEFAULT 0,
	errors_total       bigint NOT NULL DEFAULT 0,
	events_per_second  double precision NOT NULL DEFAULT 0,
	backlog_events     bigint NOT NULL DEFAULT 0,
	last_error         text NOT NULL DEFAULT '',
	last_seen          timestamptz,
	approved_by        text NOT NULL DEFAULT '',
	approved_at        timestamptz,
	revoked_by         text NOT NULL DEFAULT '',
	revoked_at         timestamptz,
	created_at         timestamptz NOT NULL,
	updated_at         timestamptz NOT NULL,
	version            bigint NOT NULL DEFAULT 1
);
CREATE INDEX components_tenant ON components (tenant_id, id);
CREATE UNIQUE INDEX components_token ON components (token_hash) WHERE token_hash <> '';
CREATE UNIQUE INDEX components_cert ON components (cert_serial) WHERE cert_serial <> '';

-- tenant_id is NULL for input no tenant could be attributed to.
CREATE TABLE dead_letters (
	id           text COLLATE "C" PRIMARY KEY,
	tenant_id    text REFERENCES tenants (id),
	component_id text NOT NULL DEFAULT '',
	source       text NOT NULL DEFAULT '',
	received_at  timestamptz NOT NULL,
	stage        text NOT NULL,
	reason       text NOT NULL,
	raw          text NOT NULL,
	created_at   timestamptz NOT NULL
);
CREATE INDEX dead_letters_tenant ON dead_letters (tenant_id, id);
