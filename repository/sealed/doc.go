// Package sealed encrypts the personal content of the repository with a
// data key per customer (crypto-shredding), for every adapter: Store wraps
// an adapter (repository.Adapter) and encrypts what identifies a person or
// what they said before the adapter sees it, and decrypts on the way out.
// It sits in the repository layer, below the service, so that the service
// and its rules see clear values and every adapter stores the same
// ciphertext, one implementation for both (the adapters only gained a key
// store and the Prepare hook of CreateRequest).
//
// What is encrypted: customers' display and preferred names, identity
// values, trait values and accessibility notes; interactions' summary,
// text, excerpt, fact values and survey comment; issues' title,
// resolution (and those of its status history) and fact values; and in
// the context summary the profile, the issues, the recent interactions and
// the customer facts it holds. What is not (the store queries it, or it
// names nothing about the person): IDs and resource names, times,
// channels, directions, topics, tags, statuses, priorities, scores and
// sentiment, source system and record IDs, agents, fact keys, fingerprints
// (hashes of requests), the audit trail (names only).
//
// Cryptography (Go's standard library only):
//   - a value is AES-256-GCM under its customer's 256-bit data key, with a
//     random 96-bit nonce per value (crypto/rand; a customer's key seals
//     far fewer than the 2^32 values random nonces allow) and associated
//     data "rapport sealed v1" NUL tenant NUL customer ID NUL field: a
//     value copied to another tenant, customer or field does not open;
//   - data keys are wrapped (AES-256-GCM) by the tenant's key-encryption
//     key, with associated data binding them to tenant and customer; the
//     local KEK derives each tenant's key with HKDF-SHA256 from the key
//     file's key, so a wrapped key moved to another tenant does not open;
//   - identities are looked up by a blind index: HMAC-SHA256 of the
//     identity key ("email:ada@example.com") under the tenant's index key
//     (a random key stored wrapped like a data key, so that a KEK rotation
//     changes no index); the identity claim is keyed by it, so a lookup is
//     still one indexed read;
//   - erasing a customer destroys their data key first (DeleteCustomer):
//     every copy of their records, in the live store, its log, a backup or
//     a snapshot, is then ciphertext without a key. The keys live in a key
//     store apart from the data (keys.db beside rapport.db; a MongoDB
//     database of their own), which the data's backups do not hold.
//
// Keys are never logged, audited or exported; unwrapped keys are cleared
// from memory once their cipher is made (Go gives no way to clear the AES
// key schedule inside crypto/aes, nor copies the garbage collector made).
package sealed
