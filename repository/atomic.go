package repository

import (
	"hash/maphash"
	"sync"
)

// keyLocks serialises, within this process, the conditional writes made to
// one document.
//
// On MongoDB a conditional update ("replace where _id = x and revision = r")
// is atomic by itself. The embedded FerretDB (v1, SQLite) evaluates the
// filter and then writes by _id in two steps, so two writers of one document
// can both pass the same condition. Every conditional write of this package
// therefore runs under the lock of its document; on MongoDB that costs a
// mutex, on the embedded store it makes the condition hold. Processes that
// share one embedded store through its listener are not covered by this
// lock: production runs several replicas on MongoDB.
type keyLocks struct {
	seed    maphash.Seed
	stripes [256]sync.Mutex
}

func newKeyLocks() *keyLocks { return &keyLocks{seed: maphash.MakeSeed()} }

// do runs fn while holding the lock of the document with _id id.
func (k *keyLocks) do(id string, fn func() error) error {
	m := &k.stripes[maphash.String(k.seed, id)%uint64(len(k.stripes))]
	m.Lock()
	defer m.Unlock()
	return fn()
}
