package access

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Cost units. Admission charges a call by what it asks the server to do,
// not by the call: the rate limits (Limits.TenantRate, KeyRate) are cost
// units per second, and a call's share of the work slots (Admission)
// grows with its cost. One unit is about the work of one simple call;
// each request is charged, from its decoded message:
//
//	what                                      units
//	any call (a get, a create, a record)      1
//	each item of a batch or import message    1 (a call of 500 items: 500)
//	  (the top-level repeated field "requests": BatchRecordInteractions,
//	  BatchGetCustomerContexts, ImportInteractions, ImportIssues messages)
//	a list page                               1 per 50 items of page_size
//	                                          (the default 50: 1; 500: 10)
//	each full 16 KiB of the request message   1 more (a 500-item batch with
//	  (text to analyse, facts, traits)        16 KiB of text each: 500 + 500)
//
// A client stream's opening costs 1 and each message it sends its own cost.
const (
	// CostTextBytes is the size of request that costs one more unit.
	CostTextBytes = 16 << 10
	// costPageItems is how many items of a list page cost one unit: a
	// page of the default size costs what any call does.
	costPageItems = 50
	// costDefaultPage is the page size a list call with page_size 0 gets
	// (service's defaultPageSize).
	costDefaultPage = 50
)

// pageSized is a List request.
type pageSized interface{ GetPageSize() int32 }

// Cost is what req costs in units (see the table above); at least 1.
func Cost(req any) int {
	m, ok := req.(proto.Message)
	if !ok {
		return 1
	}
	units := 1
	if p, ok := req.(pageSized); ok {
		size := int(p.GetPageSize())
		if size <= 0 {
			size = costDefaultPage
		}
		units = max(1, (size+costPageItems-1)/costPageItems)
	}
	r := m.ProtoReflect()
	if fd := r.Descriptor().Fields().ByName("requests"); fd != nil && fd.Cardinality() == protoreflect.Repeated && !fd.IsMap() {
		units = max(units, r.Get(fd).List().Len())
	}
	return units + proto.Size(m)/CostTextBytes
}
