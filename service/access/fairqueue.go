package access

// fairQueue orders the calls waiting for work slots across tenants by
// start-time fair queuing (Goyal, Vin and Cheng, 1996): each call gets a
// virtual start tag, the later of the queue's virtual time and the finish
// tag of its tenant's previous call; its finish tag is the start plus its
// cost divided by its tenant's weight. The call with the smallest start
// tag goes first. So a tenant with a backlog of expensive calls has its
// tags far ahead, and a tenant that calls now and then starts at the
// virtual time, ahead of that backlog; tenants that keep queueing get
// work in proportion to their weights. Within a tenant calls keep their
// order. It is not safe for concurrent use (Admission holds a lock).
type fairQueue struct {
	// vtime is the start tag of the last call dispatched.
	vtime float64
	flows map[string]*flow
	// seq orders calls with equal tags by arrival.
	seq uint64
}

// flow is one tenant's calls: those waiting, and the slots its running
// calls hold.
type flow struct {
	finish  float64
	waiting []*waiter
	held    int
}

// waiter is one call in the queue, or running once dispatched.
type waiter struct {
	tenant string
	// cost is its cost in units (what its tag advances by); slots, the
	// work slots it holds while it runs.
	cost, slots int
	start       float64
	seq         uint64
	ready       chan struct{}
	dispatched  bool
}

// maxIdleFlows is how many idle tenants the queue remembers (their finish
// tags, so that a tenant calling back to back keeps its place) before it
// forgets them all: a tenant forgotten restarts at the virtual time, and
// gains at most its last call's cost.
const maxIdleFlows = 1024

func newFairQueue() *fairQueue { return &fairQueue{flows: map[string]*flow{}} }

// push queues a call of tenant (whose weight is weight > 0).
func (q *fairQueue) push(tenant string, weight float64, cost, slots int) *waiter {
	f := q.flows[tenant]
	if f == nil {
		if len(q.flows) >= maxIdleFlows {
			for t, o := range q.flows {
				if len(o.waiting) == 0 && o.held == 0 {
					delete(q.flows, t)
				}
			}
		}
		f = &flow{}
		q.flows[tenant] = f
	}
	q.seq++
	w := &waiter{tenant: tenant, cost: cost, slots: slots, start: max(q.vtime, f.finish), seq: q.seq, ready: make(chan struct{})}
	f.finish = w.start + float64(cost)/weight
	f.waiting = append(f.waiting, w)
	return w
}

// queued is how many calls of tenant wait.
func (q *fairQueue) queued(tenant string) int {
	if f := q.flows[tenant]; f != nil {
		return len(f.waiting)
	}
	return 0
}

// next dispatches the waiting call with the smallest start tag among the
// tenants that may run one more (their running calls' slots plus its
// own within perTenant), if it fits in free slots; nil if none may run.
// A call that does not fit in free slots waits for them: smaller calls
// behind it are not let past, so that a large call is never starved.
func (q *fairQueue) next(free, perTenant int) *waiter {
	var best *waiter
	for _, f := range q.flows {
		if len(f.waiting) == 0 {
			continue
		}
		h := f.waiting[0]
		if f.held > 0 && f.held+h.slots > perTenant {
			continue
		}
		if best == nil || h.start < best.start || (h.start == best.start && h.seq < best.seq) {
			best = h
		}
	}
	if best == nil || best.slots > free {
		return nil
	}
	f := q.flows[best.tenant]
	f.waiting = f.waiting[1:]
	f.held += best.slots
	q.vtime = max(q.vtime, best.start)
	best.dispatched = true
	return best
}

// remove takes a call that gave up waiting out of the queue.
func (q *fairQueue) remove(w *waiter) {
	f := q.flows[w.tenant]
	if f == nil {
		return
	}
	for i, o := range f.waiting {
		if o == w {
			f.waiting = append(f.waiting[:i], f.waiting[i+1:]...)
			break
		}
	}
	q.forget(w.tenant, f)
}

// done gives back the slots of a dispatched call.
func (q *fairQueue) done(w *waiter) {
	f := q.flows[w.tenant]
	if f == nil {
		return
	}
	f.held -= w.slots
	q.forget(w.tenant, f)
}

// forget drops an idle tenant once its tags are behind the virtual time,
// so that the map holds only tenants with calls (or credit) in flight.
func (q *fairQueue) forget(tenant string, f *flow) {
	if len(f.waiting) == 0 && f.held == 0 && f.finish <= q.vtime {
		delete(q.flows, tenant)
	}
}
