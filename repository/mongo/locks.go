package mongo

import (
	"hash/maphash"
	"slices"
	"sync"
)

// keyLocks serialises, within this process, the conditional writes made to
// one document.
//
// On MongoDB a conditional update ("replace where _id = x and revision = r")
// is atomic by itself. FerretDB v1 (the wire-protocol stand-in the tests
// run this adapter on) evaluates the filter and then writes by _id in two
// steps, so two writers of one document can both pass the same condition.
// Every conditional write of this package therefore runs under the lock of
// its document; on MongoDB that costs a mutex, on FerretDB it makes the
// condition hold within one process.
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

// doAll runs fn while holding the locks of the documents ids: their
// stripes, each once, taken in stripe order (so that two callers never
// wait on each other).
func (k *keyLocks) doAll(ids []string, fn func() error) error {
	stripes := make([]uint64, 0, len(ids))
	for _, id := range ids {
		stripes = append(stripes, maphash.String(k.seed, id)%uint64(len(k.stripes)))
	}
	slices.Sort(stripes)
	stripes = slices.Compact(stripes)
	for _, i := range stripes {
		k.stripes[i].Lock()
	}
	defer func() {
		for _, i := range stripes {
			k.stripes[i].Unlock()
		}
	}()
	return fn()
}
