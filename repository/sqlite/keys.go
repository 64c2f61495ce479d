package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/rapporthq/rapport/repository"
)

// KeysFileName is the key store's file in the data directory: the wrapped
// data keys of an encrypted store (see repository/sealed). It is a file of
// its own so that a backup of the data (`rapport backup`, which copies
// rapport.db) holds no key: once a customer's key is destroyed here, their
// records in every earlier backup are unreadable.
const KeysFileName = "keys.db"

// KeyStore is the embedded store's key store (sealed.KeyStore): a SQLite
// file with one table, secure_delete on, and a rollback journal rather
// than a write-ahead log: a key is written once per customer, so the file
// itself always holds every committed key (a copy of keys.db is whole),
// and a destroyed key's bytes are overwritten in it, its journal deleted
// at commit.
type KeyStore struct {
	db   *sql.DB
	path string
}

// OpenKeyStore opens (creating it if needed) the key store in dataDir.
func OpenKeyStore(ctx context.Context, dataDir string) (*KeyStore, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: data directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create data directory: %w", err)
	}
	path := filepath.Join(dir, KeysFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	_ = f.Close()
	q := url.Values{}
	q.Set("_busy_timeout", "5000")
	q.Set("_journal_mode", "DELETE")
	q.Set("_synchronous", "FULL")
	q.Add("_pragma", "secure_delete(1)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS data_keys (
	tenant      TEXT    NOT NULL,
	customer_id TEXT    NOT NULL,
	kek_id      TEXT    NOT NULL,
	wrapped     BLOB    NOT NULL,
	create_time INTEGER NOT NULL,
	PRIMARY KEY (tenant, customer_id)
) WITHOUT ROWID`); err != nil {
		_ = db.Close()
		return nil, dbErr("create the key store", err)
	}
	return &KeyStore{db: db, path: path}, nil
}

// Path is the key store's file.
func (k *KeyStore) Path() string { return k.path }

// Close closes the key store.
func (k *KeyStore) Close() error { return k.db.Close() }

func scanKey(row interface{ Scan(...any) error }) (repository.WrappedKey, error) {
	var w repository.WrappedKey
	var ct int64
	err := row.Scan(&w.Tenant, &w.CustomerID, &w.KEKID, &w.Wrapped, &ct)
	w.CreateTime = time.UnixMilli(ct).UTC()
	return w, err
}

// GetKey returns a customer's wrapped key, or repository.ErrNotFound.
func (k *KeyStore) GetKey(ctx context.Context, tenant, customerID string) (repository.WrappedKey, error) {
	w, err := scanKey(k.db.QueryRowContext(ctx,
		"SELECT tenant, customer_id, kek_id, wrapped, create_time FROM data_keys WHERE tenant = ? AND customer_id = ?", tenant, customerID))
	if errors.Is(err, sql.ErrNoRows) {
		return w, repository.ErrNotFound
	}
	return w, dbErr("read a data key", err)
}

// PutKey stores w unless the customer has a key; it returns the stored key.
func (k *KeyStore) PutKey(ctx context.Context, w repository.WrappedKey) (repository.WrappedKey, error) {
	if _, err := k.db.ExecContext(ctx,
		"INSERT INTO data_keys (tenant, customer_id, kek_id, wrapped, create_time) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		w.Tenant, w.CustomerID, w.KEKID, w.Wrapped, w.CreateTime.UnixMilli()); err != nil {
		return w, dbErr("store a data key", err)
	}
	return k.GetKey(ctx, w.Tenant, w.CustomerID)
}

// DeleteKey destroys a customer's key: it leaves a tombstone (no key, no
// KEK ID), the old bytes overwritten (secure_delete).
func (k *KeyStore) DeleteKey(ctx context.Context, tenant, customerID string) (bool, error) {
	res, err := k.db.ExecContext(ctx, "UPDATE data_keys SET kek_id = '', wrapped = x'' WHERE tenant = ? AND customer_id = ? AND kek_id != ''", tenant, customerID)
	if err != nil {
		return false, dbErr("destroy a data key", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ListKeys returns up to limit keys after (afterTenant, afterCustomer).
func (k *KeyStore) ListKeys(ctx context.Context, afterTenant, afterCustomer string, limit int) ([]repository.WrappedKey, error) {
	rows, err := k.db.QueryContext(ctx,
		"SELECT tenant, customer_id, kek_id, wrapped, create_time FROM data_keys WHERE (tenant, customer_id) > (?, ?) ORDER BY tenant, customer_id LIMIT ?",
		afterTenant, afterCustomer, limit)
	if err != nil {
		return nil, dbErr("list data keys", err)
	}
	defer rows.Close()
	var out []repository.WrappedKey
	for rows.Next() {
		w, err := scanKey(rows)
		if err != nil {
			return nil, dbErr("list data keys", err)
		}
		out = append(out, w)
	}
	return out, dbErr("list data keys", rows.Err())
}

// ReplaceKey stores w in place of the key wrapped by oldKEKID.
func (k *KeyStore) ReplaceKey(ctx context.Context, w repository.WrappedKey, oldKEKID string) (bool, error) {
	res, err := k.db.ExecContext(ctx, "UPDATE data_keys SET kek_id = ?, wrapped = ? WHERE tenant = ? AND customer_id = ? AND kek_id = ?",
		w.KEKID, w.Wrapped, w.Tenant, w.CustomerID, oldKEKID)
	if err != nil {
		return false, dbErr("rewrap a data key", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
