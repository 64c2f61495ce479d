package service

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/customercontext"
)

// DefaultContextCacheBytes is the default budget of the context cache.
const DefaultContextCacheBytes = 64 << 20

// contextCache keeps customers' decoded summaries, so that a context read
// of a customer whose summary has not changed since the last read skips
// decompressing, decrypting and decoding it: the point read still runs on
// every call (the store says whether the stored form still has the
// fingerprint of the one kept), so a write through any replica or process
// is seen at the next read, and nothing is ever served that the store no
// longer holds. Entries are keyed by tenant and customer (never shared
// between tenants), bounded by an estimate of their memory (least recently
// used out first), and dropped when the store says the customer is gone.
//
// Entries are read by many calls at once: what Build makes of them must
// not change them (customercontext.Build copies what it changes).
type contextCache struct {
	mu    sync.Mutex
	lru   *simplelru.LRU[cacheKey, *cachedSummary]
	bytes int64 // the estimated size of the entries held
	max   int64

	hits, misses atomic.Int64
}

type cacheKey struct{ tenant, customerID string }

type cachedSummary struct {
	fingerprint uint64
	d           customercontext.Decoded
	size        int64
}

// newContextCache makes a cache of at most maxBytes (estimated); nil when
// maxBytes < 0 (no cache).
func newContextCache(maxBytes int64) *contextCache {
	if maxBytes < 0 {
		return nil
	}
	if maxBytes == 0 {
		maxBytes = DefaultContextCacheBytes
	}
	c := &contextCache{max: maxBytes}
	// The count bound is only a backstop: the byte budget evicts first.
	c.lru, _ = simplelru.NewLRU(1<<20, func(_ cacheKey, e *cachedSummary) { c.bytes -= e.size })
	return c
}

// get returns the entry of a customer, if any.
func (c *contextCache) get(tenant, customerID string) *cachedSummary {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, _ := c.lru.Get(cacheKey{tenant, customerID})
	return e
}

// put keeps d, decoded from the summary read with that fingerprint.
func (c *contextCache) put(tenant, customerID string, fingerprint uint64, d customercontext.Decoded) {
	if c == nil || fingerprint == 0 {
		return
	}
	size := summarySize(d.Summary)
	if size > c.max/8 {
		return // one customer never takes much of the budget
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Add(cacheKey{tenant, customerID}, &cachedSummary{fingerprint: fingerprint, d: d, size: size})
	c.bytes += size
	for c.bytes > c.max {
		c.lru.RemoveOldest()
	}
}

// drop forgets a customer (erased, or no longer what the store holds).
func (c *contextCache) drop(tenant, customerID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(cacheKey{tenant, customerID})
}

// size is the estimated memory of the entries held.
func (c *contextCache) size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// summarySize estimates the memory a decoded summary holds: its encoded
// messages (kept) and their decoded form (about three times as large).
func summarySize(sum *repository.Summary) int64 {
	n := 1024 + 4*len(sum.Customer)
	for _, is := range sum.Issues {
		n += 4 * len(is.Issue)
	}
	for _, r := range sum.Recent {
		n += 4 * len(r.Interaction)
	}
	for _, f := range sum.CustomerFacts {
		n += 4 * len(f.Fact)
	}
	for _, b := range sum.Days {
		n += 32 + 4*len(b.Channels) + len(b.Hashes)
	}
	n += 48 * (len(sum.TopicDays) + len(sum.IssueDays))
	return int64(n)
}
