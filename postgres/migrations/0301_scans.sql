-- Scan scopes a tenant authorised, scans started from the platform, and
-- "protect now" virtual-patch requests; the whole record is in data (JSON),
-- the columns serve filters (name: a scope's name, a virtual patch's finding ID;
-- state: a job's or a request's state). job_runs records the periodic jobs' last runs
-- (platform-wide, no tenant).
CREATE TABLE scan_scopes (
	id          text COLLATE "C" PRIMARY KEY,
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id),
	name        text NOT NULL DEFAULT '',
	state       text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	version     bigint NOT NULL,
	data        jsonb NOT NULL
);
CREATE INDEX scan_scopes_tenant ON scan_scopes (tenant_id, id);

CREATE TABLE scan_jobs (
	id          text COLLATE "C" PRIMARY KEY,
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id),
	name        text NOT NULL DEFAULT '',
	state       text NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	version     bigint NOT NULL,
	data        jsonb NOT NULL
);
CREATE INDEX scan_jobs_tenant ON scan_jobs (tenant_id, id);
CREATE INDEX scan_jobs_state ON scan_jobs (state, id);

CREATE TABLE virtual_patches (
	id          text COLLATE "C" PRIMARY KEY,
	tenant_id   text COLLATE "C" NOT NULL REFERENCES tenants (id),
	name        text NOT NULL DEFAULT '',
	state       text NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	version     bigint NOT NULL,
	data        jsonb NOT NULL
);
CREATE INDEX virtual_patches_tenant ON virtual_patches (tenant_id, id);
CREATE INDEX virtual_patches_finding ON virtual_patches (tenant_id, name, id);

CREATE TABLE job_runs (
	name        text COLLATE "C" PRIMARY KEY,
	last_run    timestamptz NOT NULL,
	status      text NOT NULL DEFAULT ''
);
