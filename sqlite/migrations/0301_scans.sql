-- Scan scopes a tenant authorised, scans started from the platform, and
-- "protect now" virtual-patch requests; the whole record is in data (JSON),
-- the columns serve filters (name: a scope's name, a virtual patch's finding ID;
-- state: a job's or a request's state). job_runs records the periodic jobs' last runs
-- (platform-wide, no tenant).
CREATE TABLE scan_scopes (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL REFERENCES tenants (id),
	name        TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	version     INTEGER NOT NULL,
	data        TEXT NOT NULL
) STRICT;
CREATE INDEX scan_scopes_tenant ON scan_scopes (tenant_id, id);

CREATE TABLE scan_jobs (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL REFERENCES tenants (id),
	name        TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	version     INTEGER NOT NULL,
	data        TEXT NOT NULL
) STRICT;
CREATE INDEX scan_jobs_tenant ON scan_jobs (tenant_id, id);
CREATE INDEX scan_jobs_state ON scan_jobs (state, id);

CREATE TABLE virtual_patches (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL REFERENCES tenants (id),
	name        TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	version     INTEGER NOT NULL,
	data        TEXT NOT NULL
) STRICT;
CREATE INDEX virtual_patches_tenant ON virtual_patches (tenant_id, id);
CREATE INDEX virtual_patches_finding ON virtual_patches (tenant_id, name, id);

CREATE TABLE job_runs (
	name        TEXT PRIMARY KEY,
	last_run    INTEGER NOT NULL,
	status      TEXT NOT NULL DEFAULT ''
) STRICT;
