-- Core platform tables: tenants, users, sessions, API tokens, tickets,
-- assets, audit log. Every table holding tenant data has a tenant_id column:
-- PurgeTenant finds such tables in the catalog and deletes their rows of the
-- tenant. Audit times are integer nanoseconds (at_ns) because the entry hash
-- covers nanoseconds and timestamptz keeps microseconds only.

CREATE TABLE tenants (
	id             text COLLATE "C" PRIMARY KEY,
	code           text NOT NULL UNIQUE,
	name           text NOT NULL,
	region         text NOT NULL DEFAULT '',
	contract       jsonb NOT NULL,
	retention_days integer NOT NULL DEFAULT 0,
	allowed_cidrs  jsonb,
	disabled       boolean NOT NULL DEFAULT false,
	created_at     timestamptz NOT NULL,
	updated_at     timestamptz NOT NULL
);

CREATE TABLE users (
	id             text COLLATE "C" PRIMARY KEY,
	username       text NOT NULL,
	display_name   text NOT NULL DEFAULT '',
	email          text NOT NULL DEFAULT '', -- encrypted when a field key is set
	phone          text NOT NULL DEFAULT '', -- encrypted when a field key is set
	role           text NOT NULL,
	tenant_id      text REFERENCES tenants (id), -- NULL for provider staff
	locale         text NOT NULL DEFAULT '',
	password_hash  text NOT NULL DEFAULT '',
	totp_secret    text NOT NULL DEFAULT '', -- encrypted when a field key is set
	mfa_enrolled   boolean NOT NULL DEFAULT false,
	mfa_exempt     boolean NOT NULL DEFAULT false,
	last_totp_step bigint NOT NULL DEFAULT 0,
	failed_logins  integer NOT NULL DEFAULT 0,
	locked_until   timestamptz,
	disabled       boolean NOT NULL DEFAULT false,
	last_login_at  timestamptz,
	created_at     timestamptz NOT NULL,
	updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE user_tenants (
	user_id   text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	tenant_id text NOT NULL REFERENCES tenants (id),
	PRIMARY KEY (user_id, tenant_id)
);
CREATE INDEX user_tenants_tenant ON user_tenants (tenant_id);

CREATE TABLE sessions (
	id           text COLLATE "C" PRIMARY KEY,
	token_hash   text NOT NULL UNIQUE,
	user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token   text NOT NULL DEFAULT '',
	mfa_passed   boolean NOT NULL DEFAULT false,
	source_ip    text NOT NULL DEFAULT '',
	user_agent   text NOT NULL DEFAULT '',
	created_at   timestamptz NOT NULL,
	last_seen_at timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
	id           text COLLATE "C" PRIMARY KEY,
	user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         text NOT NULL DEFAULT '',
	token_hash   text NOT NULL UNIQUE,
	prefix       text NOT NULL DEFAULT '',
	permissions  jsonb,
	expires_at   timestamptz,
	last_used_at timestamptz,
	created_at   timestamptz NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE ticket_counters (
	tenant_id   text PRIMARY KEY REFERENCES tenants (id),
	last_number bigint NOT NULL
);

CREATE TABLE tickets (
	id              text COLLATE "C" PRIMARY KEY,
	tenant_id       text NOT NULL REFERENCES tenants (id),
	number          bigint NOT NULL,
	type            text NOT NULL,
	severity        text NOT NULL,
	state           text NOT NULL,
	tier            integer NOT NULL,
	title           text NOT NULL,
	description     text NOT NULL DEFAULT '',
	category        text NOT NULL DEFAULT '',
	assignee_id     text NOT NULL DEFAULT '',
	source          text NOT NULL DEFAULT '',
	asset_ids       jsonb,
	resolution      text NOT NULL DEFAULT '',
	created_by      text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	acknowledged_at timestamptz,
	authorized_at   timestamptz,
	contained_at    timestamptz,
	closed_at       timestamptz,
	due_at          timestamptz,
	open_periods    jsonb,
	reopen_count    integer NOT NULL DEFAULT 0,
	rating          integer NOT NULL DEFAULT 0,
	version         bigint NOT NULL,
	UNIQUE (tenant_id, number)
);
CREATE INDEX tickets_tenant ON tickets (tenant_id, id);
CREATE INDEX tickets_tenant_state ON tickets (tenant_id, state, id);
CREATE INDEX tickets_assignee ON tickets (tenant_id, assignee_id, id);
CREATE INDEX tickets_source ON tickets (tenant_id, source);

CREATE TABLE ticket_timeline (
	id         text COLLATE "C" PRIMARY KEY,
	tenant_id  text NOT NULL REFERENCES tenants (id),
	ticket_id  text NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	at         timestamptz NOT NULL,
	actor_id   text NOT NULL DEFAULT '',
	actor_name text NOT NULL DEFAULT '',
	kind       text NOT NULL,
	action     text NOT NULL DEFAULT '',
	from_state text NOT NULL DEFAULT '',
	to_state   text NOT NULL DEFAULT '',
	note       text NOT NULL DEFAULT ''
);
CREATE INDEX ticket_timeline_ticket ON ticket_timeline (ticket_id, at, id);
CREATE INDEX ticket_timeline_tenant ON ticket_timeline (tenant_id);

CREATE TABLE assets (
	id              text COLLATE "C" PRIMARY KEY,
	tenant_id       text NOT NULL REFERENCES tenants (id),
	name            text NOT NULL DEFAULT '',
	kind            text NOT NULL,
	device_type     text NOT NULL DEFAULT '',
	ips             jsonb,
	macs            jsonb,
	hostnames       jsonb,
	vendor          text NOT NULL DEFAULT '',
	model           text NOT NULL DEFAULT '',
	os              text NOT NULL DEFAULT '',
	os_version      text NOT NULL DEFAULT '',
	firmware        text NOT NULL DEFAULT '',
	cpes            jsonb,
	owner           text NOT NULL DEFAULT '',
	department      text NOT NULL DEFAULT '',
	location        text NOT NULL DEFAULT '',
	business_system text NOT NULL DEFAULT '',
	importance      integer NOT NULL,
	medical         jsonb,
	services        jsonb,
	sources         jsonb,
	tags            jsonb,
	confirmed       boolean NOT NULL DEFAULT false,
	first_seen      timestamptz NOT NULL,
	last_seen       timestamptz NOT NULL,
	created_at      timestamptz NOT NULL,
	updated_at      timestamptz NOT NULL,
	version         bigint NOT NULL
);
CREATE INDEX assets_tenant ON assets (tenant_id, id);
CREATE INDEX assets_tenant_kind ON assets (tenant_id, kind, id);

CREATE TABLE asset_identities (
	tenant_id text NOT NULL REFERENCES tenants (id),
	asset_id  text NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
	kind      text NOT NULL,
	value     text NOT NULL,
	PRIMARY KEY (asset_id, kind, value)
);
CREATE INDEX asset_identities_lookup ON asset_identities (tenant_id, kind, value);

CREATE TABLE audit_entries (
	tenant_id   text NOT NULL,
	seq         bigint NOT NULL,
	at_ns       bigint NOT NULL,
	actor_id    text NOT NULL DEFAULT '',
	actor_name  text NOT NULL DEFAULT '',
	actor_role  text NOT NULL DEFAULT '',
	source_ip   text NOT NULL DEFAULT '',
	action      text NOT NULL,
	object_type text NOT NULL DEFAULT '',
	object_id   text NOT NULL DEFAULT '',
	detail      text NOT NULL DEFAULT '',
	prev_hash   text NOT NULL,
	hash        text NOT NULL,
	PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_entries_at ON audit_entries (tenant_id, at_ns);

CREATE TABLE audit_heads (
	tenant_id text PRIMARY KEY,
	seq       bigint NOT NULL,
	hash      text NOT NULL
);
