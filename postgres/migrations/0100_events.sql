-- The event store (docs/store.md, "Events"): events in compressed blocks,
-- beside the key of every event for idempotent appends. Both tables are
-- partitioned by tenant (LIST) and each tenant's partition by day (RANGE on
-- nanoseconds since the epoch); the partitions are created on demand, named
-- event_keys_<tenant>[_<yyyymmdd>] and event_blocks_<tenant>[_<yyyymmdd>],
-- and retention drops a day's partitions.

CREATE TABLE event_keys (
	tenant_id text COLLATE "C" NOT NULL,
	ts        bigint NOT NULL,   -- @timestamp, nanoseconds since the epoch
	h         bigint NOT NULL,   -- 64-bit FNV-1a hash of event.id
	blk       bigint NOT NULL,   -- the block holding the event
	PRIMARY KEY (tenant_id, ts, h)
) PARTITION BY LIST (tenant_id);

CREATE TABLE event_blocks (
	tenant_id text COLLATE "C" NOT NULL,
	ts_min    bigint NOT NULL,   -- oldest event of the block (the partition key)
	id        bigint NOT NULL,
	ts_max    bigint NOT NULL,   -- newest event of the block
	n         integer NOT NULL,  -- events in the block
	raw       integer NOT NULL,  -- uncompressed size
	data      bytea NOT NULL,    -- S2-compressed records, see internal/evstore
	PRIMARY KEY (tenant_id, ts_min, id)
) PARTITION BY LIST (tenant_id);

CREATE INDEX event_blocks_ts_max ON event_blocks (tenant_id, ts_max);

CREATE SEQUENCE event_block_ids;

-- Blocks are compressed already: no TOAST compression attempt.
ALTER TABLE event_blocks ALTER COLUMN data SET STORAGE EXTERNAL;
