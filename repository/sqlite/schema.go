package sqlite

import (
	"context"
	"fmt"
)

// migrations are the schema's versions, in order: migrations[i] takes the
// file from version i to i+1 (PRAGMA user_version). Add a new one at the
// end; never change one that has shipped.
//
// Conventions: times are INTEGER Unix milliseconds (UTC); docs are the
// record as protojson with proto field names (json_extract reads them);
// every table's key starts with the tenant.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE customers (
	tenant            TEXT    NOT NULL,
	customer_id       TEXT    NOT NULL,
	revision          INTEGER NOT NULL,
	create_request_id TEXT,
	create_time       INTEGER NOT NULL,
	update_time       INTEGER NOT NULL,
	doc               TEXT    NOT NULL,
	PRIMARY KEY (tenant, customer_id)
);

-- One row per identity: the key makes an identity resolve to one customer.
CREATE TABLE identities (
	tenant      TEXT NOT NULL,
	identity    TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	PRIMARY KEY (tenant, identity)
) WITHOUT ROWID;
CREATE INDEX identities_by_customer ON identities (tenant, customer_id);

-- Idempotency records: which resource a request ID created.
CREATE TABLE requests (
	tenant      TEXT NOT NULL,
	request_key TEXT NOT NULL,
	method      TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	resource_id TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	PRIMARY KEY (tenant, request_key)
) WITHOUT ROWID;
CREATE INDEX requests_by_customer ON requests (tenant, customer_id);

-- Interaction IDs are unique in the tenant (an ID derived from a source
-- record collides whoever it is sent for).
CREATE TABLE interactions (
	tenant         TEXT    NOT NULL,
	interaction_id TEXT    NOT NULL,
	customer_id    TEXT    NOT NULL,
	occur_time     INTEGER NOT NULL,
	channel        INTEGER NOT NULL,
	issue_id       TEXT,
	topics         TEXT,
	fingerprint    TEXT,
	expire_at      INTEGER,
	create_time    INTEGER NOT NULL,
	doc            TEXT    NOT NULL,
	PRIMARY KEY (tenant, interaction_id)
);
-- A customer's history newest first, and its paging cursor.
CREATE INDEX interactions_by_customer ON interactions (tenant, customer_id, occur_time DESC, interaction_id DESC);
-- The retention purge.
CREATE INDEX interactions_by_time ON interactions (tenant, occur_time);

CREATE TABLE issues (
	tenant            TEXT    NOT NULL,
	customer_id       TEXT    NOT NULL,
	issue_id          TEXT    NOT NULL,
	revision          INTEGER NOT NULL,
	create_request_id TEXT,
	status            INTEGER NOT NULL,
	priority          INTEGER NOT NULL,
	topic             TEXT,
	open_time         INTEGER NOT NULL,
	doc               TEXT    NOT NULL,
	PRIMARY KEY (tenant, customer_id, issue_id)
);
CREATE INDEX issues_by_open ON issues (tenant, customer_id, open_time DESC, issue_id DESC);

-- The context summary: data is repository.EncodeSummary's value.
CREATE TABLE summaries (
	tenant        TEXT    NOT NULL,
	customer_id   TEXT    NOT NULL,
	revision      INTEGER NOT NULL,
	update_time   INTEGER NOT NULL,
	first_contact INTEGER,
	stale         INTEGER NOT NULL DEFAULT 0,
	data          BLOB    NOT NULL,
	PRIMARY KEY (tenant, customer_id)
);
-- The retention sweep walks the summaries that count an interaction older
-- than a cutoff, in key order: a covering index, so that the walk reads
-- keys and first contacts, not summaries, and each page continues where
-- the last stopped (no sort of every match per page).
CREATE INDEX summaries_by_first_contact ON summaries (tenant, customer_id, first_contact);

-- API keys are looked up by ID before the tenant is known.
CREATE TABLE api_keys (
	key_id      TEXT    NOT NULL PRIMARY KEY,
	tenant      TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	scopes      TEXT    NOT NULL,
	secret_hash BLOB    NOT NULL,
	create_time INTEGER NOT NULL,
	expire_time INTEGER,
	revoke_time INTEGER
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant, create_time, key_id);

CREATE TABLE audit_events (
	tenant            TEXT    NOT NULL,
	audit_id          TEXT    NOT NULL,
	time              INTEGER NOT NULL,
	principal         TEXT    NOT NULL,
	method            TEXT    NOT NULL,
	code              TEXT    NOT NULL,
	customers         TEXT,
	customers_omitted INTEGER NOT NULL,
	PRIMARY KEY (tenant, audit_id)
);
CREATE INDEX audit_events_by_time ON audit_events (tenant, time DESC, audit_id DESC);
-- The audit retention purge, across tenants.
CREATE INDEX audit_events_by_age ON audit_events (time);
-- Which events name which customer (the filter by customer).
CREATE TABLE audit_customers (
	tenant   TEXT    NOT NULL,
	customer TEXT    NOT NULL,
	time     INTEGER NOT NULL,
	audit_id TEXT    NOT NULL,
	PRIMARY KEY (tenant, customer, time, audit_id)
) WITHOUT ROWID;
CREATE INDEX audit_customers_by_age ON audit_customers (time);

-- Facts about the store itself, e.g. what a migration carried into it.
CREATE TABLE meta (
	key   TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
);

-- Merges: merged_id's name resolves to survivor_id. A customer is merged
-- at most once (the key).
CREATE TABLE merges (
	tenant      TEXT    NOT NULL,
	merged_id   TEXT    NOT NULL,
	survivor_id TEXT    NOT NULL,
	rule        INTEGER NOT NULL,
	merge_time  INTEGER NOT NULL,
	PRIMARY KEY (tenant, merged_id)
) WITHOUT ROWID;
CREATE INDEX merges_by_survivor ON merges (tenant, survivor_id, merge_time);
`,
	// 2: a merged customer's row says whom it is merged into (set and
	// cleared with its merges row, in the same transaction), so that
	// ListCustomers seeks the customers that are listed, or the merged
	// ones, in key order: two partial indexes, and a page reads only the
	// rows it returns however many merged customers it skips.
	`
ALTER TABLE customers ADD COLUMN merged_into TEXT;
UPDATE customers SET merged_into = (SELECT m.survivor_id FROM merges m WHERE m.tenant = customers.tenant AND m.merged_id = customers.customer_id);
CREATE INDEX customers_listed ON customers (tenant, customer_id) WHERE merged_into IS NULL;
CREATE INDEX customers_merged ON customers (tenant, customer_id) WHERE merged_into IS NOT NULL;
`,
	// 3: the insight rollups (service/insights): one counter per row, by
	// tenant, granularity (D, W, M), period's first day, group and counter
	// name. Counts only: no customer ID, name or text.
	`
CREATE TABLE insight_rollups (
	tenant      TEXT    NOT NULL,
	granularity TEXT    NOT NULL,
	day         TEXT    NOT NULL,
	dim         TEXT    NOT NULL,
	value       TEXT    NOT NULL,
	counter     TEXT    NOT NULL,
	n           INTEGER NOT NULL,
	PRIMARY KEY (tenant, granularity, dim, day, value, counter)
) WITHOUT ROWID;
`,
	// 4: the follow-up index (its own table only): one row per follow-up,
	// written with the summary that holds the follow-up's state, in the
	// same transaction; ListFollowUps reads a range of follow_ups_by_due.
	`
CREATE TABLE follow_ups (
	tenant       TEXT    NOT NULL,
	customer_id  TEXT    NOT NULL,
	follow_up_id TEXT    NOT NULL,
	state        INTEGER NOT NULL,
	reason       INTEGER NOT NULL,
	blocked      TEXT    NOT NULL,
	due_time     INTEGER NOT NULL,
	doc          BLOB    NOT NULL,
	PRIMARY KEY (tenant, customer_id, follow_up_id)
) WITHOUT ROWID;
CREATE INDEX follow_ups_by_due ON follow_ups (tenant, state, due_time, customer_id, follow_up_id);
-- One customer's (ListFollowUps of customers/{customer}).
CREATE INDEX follow_ups_by_customer ON follow_ups (tenant, customer_id, state, due_time, follow_up_id);
`,
	// 5: the contact marks (repository.Adapter.MarkContacted): one row per
	// person, period and group that the customers-contacted counter counts
	// the person in. A store written by a build with rollups and without
	// marks needs `rapport insights rebuild` (it makes them).
	`
CREATE TABLE insight_contacted (
	tenant      TEXT NOT NULL,
	customer_id TEXT NOT NULL,
	granularity TEXT NOT NULL,
	day         TEXT NOT NULL,
	dim         TEXT NOT NULL,
	value       TEXT NOT NULL,
	PRIMARY KEY (tenant, customer_id, granularity, day, dim, value)
) WITHOUT ROWID;
-- The retention purge: marks of periods before a cutoff.
CREATE INDEX insight_contacted_by_day ON insight_contacted (day);
`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

// migrate brings the file's schema to SchemaVersion, in one transaction
// (several processes starting at once take turns; the later ones find
// nothing to do). A file written by a newer version is refused.
func (s *Store) migrate(ctx context.Context) error {
	return s.inTx(ctx, func(ctx context.Context, t *txn) error {
		var version, app int
		if err := t.tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return dbErr("read the schema version", err)
		}
		if err := t.tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
			return dbErr("read the application id", err)
		}
		if app != 0 && app != applicationID {
			return fmt.Errorf("sqlite: %s is not a Rapport store (application_id %#x)", s.path, app)
		}
		if version == 0 && app == 0 {
			var tables int
			if err := t.tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
				return dbErr("read the schema", err)
			}
			if tables > 0 {
				return fmt.Errorf("sqlite: %s holds tables that are not Rapport's; refusing to touch it", s.path)
			}
		}
		if version > len(migrations) {
			return fmt.Errorf("sqlite: %s has schema version %d, written by a newer Rapport; this one knows up to %d",
				s.path, version, len(migrations))
		}
		for v := version; v < len(migrations); v++ {
			if _, err := t.tx.ExecContext(ctx, migrations[v]); err != nil {
				return dbErr(fmt.Sprintf("migrate the schema to version %d", v+1), err)
			}
		}
		if version < len(migrations) {
			// PRAGMAs take no parameters.
			if _, err := t.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", len(migrations), applicationID)); err != nil {
				return dbErr("record the schema version", err)
			}
		}
		return nil
	})
}
