-- Core platform tables: tenants, users, sessions, API tokens, tickets,
-- assets, audit log. Times are integer nanoseconds since the Unix epoch (UTC).
-- Every table holding tenant data has a tenant_id column: PurgeTenant finds
-- such tables in the catalog and deletes their rows of the tenant.

CREATE TABLE tenants (
	id             TEXT PRIMARY KEY,
	code           TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL,
	region         TEXT NOT NULL DEFAULT '',
	contract       TEXT NOT NULL,            -- JSON bianque.Contract
	retention_days INTEGER NOT NULL DEFAULT 0,
	allowed_cidrs  TEXT,                     -- JSON map role → CIDRs
	disabled       INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
	id             TEXT PRIMARY KEY,
	username       TEXT NOT NULL,
	display_name   TEXT NOT NULL DEFAULT '',
	email          TEXT NOT NULL DEFAULT '', -- encrypted when a field key is set
	phone          TEXT NOT NULL DEFAULT '', -- encrypted when a field key is set
	role           TEXT NOT NULL,
	tenant_id      TEXT REFERENCES tenants (id), -- NULL for provider staff
	locale         TEXT NOT NULL DEFAULT '',
	password_hash  TEXT NOT NULL DEFAULT '',
	totp_secret    TEXT NOT NULL DEFAULT '', -- encrypted when a field key is set
	mfa_enrolled   INTEGER NOT NULL DEFAULT 0,
	mfa_exempt     INTEGER NOT NULL DEFAULT 0,
	last_totp_step INTEGER NOT NULL DEFAULT 0,
	failed_logins  INTEGER NOT NULL DEFAULT 0,
	locked_until   INTEGER,
	disabled       INTEGER NOT NULL DEFAULT 0,
	last_login_at  INTEGER,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE INDEX users_tenant ON users (tenant_id);

-- Provider staff assignments (R15.3).
CREATE TABLE user_tenants (
	user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	PRIMARY KEY (user_id, tenant_id)
) STRICT;
CREATE INDEX user_tenants_tenant ON user_tenants (tenant_id);

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	token_hash   TEXT NOT NULL UNIQUE,
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token   TEXT NOT NULL DEFAULT '',
	mfa_passed   INTEGER NOT NULL DEFAULT 0,
	source_ip    TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL DEFAULT '',
	token_hash   TEXT NOT NULL UNIQUE,
	prefix       TEXT NOT NULL DEFAULT '',
	permissions  TEXT,                       -- JSON list
	expires_at   INTEGER,
	last_used_at INTEGER,
	created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The last ticket number given out per tenant.
CREATE TABLE ticket_counters (
	tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id),
	last_number INTEGER NOT NULL
) STRICT;

CREATE TABLE tickets (
	id              TEXT PRIMARY KEY,
	tenant_id       TEXT NOT NULL REFERENCES tenants (id),
	number          INTEGER NOT NULL,
	type            TEXT NOT NULL,
	severity        TEXT NOT NULL,
	state           TEXT NOT NULL,
	tier            INTEGER NOT NULL,
	title           TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	category        TEXT NOT NULL DEFAULT '',
	assignee_id     TEXT NOT NULL DEFAULT '',
	source          TEXT NOT NULL DEFAULT '',
	asset_ids       TEXT,                    -- JSON list
	resolution      TEXT NOT NULL DEFAULT '',
	created_by      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	acknowledged_at INTEGER,
	authorized_at   INTEGER,
	contained_at    INTEGER,
	closed_at       INTEGER,
	due_at          INTEGER,
	open_periods    TEXT,                    -- JSON list of periods
	reopen_count    INTEGER NOT NULL DEFAULT 0,
	rating          INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL,
	UNIQUE (tenant_id, number)
) STRICT;
CREATE INDEX tickets_tenant ON tickets (tenant_id, id);
CREATE INDEX tickets_tenant_state ON tickets (tenant_id, state, id);
CREATE INDEX tickets_assignee ON tickets (tenant_id, assignee_id, id);
CREATE INDEX tickets_source ON tickets (tenant_id, source);

CREATE TABLE ticket_timeline (
	id         TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL REFERENCES tenants (id),
	ticket_id  TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	at         INTEGER NOT NULL,
	actor_id   TEXT NOT NULL DEFAULT '',
	actor_name TEXT NOT NULL DEFAULT '',
	kind       TEXT NOT NULL,
	action     TEXT NOT NULL DEFAULT '',
	from_state TEXT NOT NULL DEFAULT '',
	to_state   TEXT NOT NULL DEFAULT '',
	note       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX ticket_timeline_ticket ON ticket_timeline (ticket_id, at, id);
CREATE INDEX ticket_timeline_tenant ON ticket_timeline (tenant_id);

CREATE TABLE assets (
	id              TEXT PRIMARY KEY,
	tenant_id       TEXT NOT NULL REFERENCES tenants (id),
	name            TEXT NOT NULL DEFAULT '',
	kind            TEXT NOT NULL,
	device_type     TEXT NOT NULL DEFAULT '',
	ips             TEXT,                    -- JSON lists; identities also in asset_identities
	macs            TEXT,
	hostnames       TEXT,
	vendor          TEXT NOT NULL DEFAULT '',
	model           TEXT NOT NULL DEFAULT '',
	os              TEXT NOT NULL DEFAULT '',
	os_version      TEXT NOT NULL DEFAULT '',
	firmware        TEXT NOT NULL DEFAULT '',
	cpes            TEXT,
	owner           TEXT NOT NULL DEFAULT '',
	department      TEXT NOT NULL DEFAULT '',
	location        TEXT NOT NULL DEFAULT '',
	business_system TEXT NOT NULL DEFAULT '',
	importance      INTEGER NOT NULL,
	medical         TEXT,                    -- JSON MedicalProfile
	services        TEXT,                    -- JSON list
	sources         TEXT,
	tags            TEXT,
	confirmed       INTEGER NOT NULL DEFAULT 0,
	first_seen      INTEGER NOT NULL,
	last_seen       INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	version         INTEGER NOT NULL
) STRICT;
CREATE INDEX assets_tenant ON assets (tenant_id, id);
CREATE INDEX assets_tenant_kind ON assets (tenant_id, kind, id);

-- IPs (canonical), MACs and host names (lower case) of each asset, for
-- lookups by identity (enrichment, AssetFilter.IP/MAC/Hostname).
CREATE TABLE asset_identities (
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	asset_id  TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
	kind      TEXT NOT NULL,                 -- ip, mac, host
	value     TEXT NOT NULL,
	PRIMARY KEY (asset_id, kind, value)
) STRICT;
CREATE INDEX asset_identities_lookup ON asset_identities (tenant_id, kind, value);

-- One hash chain per tenant; tenant_id '' is the platform chain. No foreign
-- key: the platform chain outlives purged tenants.
CREATE TABLE audit_entries (
	tenant_id   TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	at_ns       INTEGER NOT NULL,
	actor_id    TEXT NOT NULL DEFAULT '',
	actor_name  TEXT NOT NULL DEFAULT '',
	actor_role  TEXT NOT NULL DEFAULT '',
	source_ip   TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id   TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT '',
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL,
	PRIMARY KEY (tenant_id, seq)
) STRICT;
CREATE INDEX audit_entries_at ON audit_entries (tenant_id, at_ns);

CREATE TABLE audit_heads (
	tenant_id TEXT PRIMARY KEY,
	seq       INTEGER NOT NULL,
	hash      TEXT NOT NULL
) STRICT;
