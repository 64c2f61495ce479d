package repository

import (
	"encoding/binary"
	"time"
)

// SummaryFollowUp is a follow-up as the customer's summary keeps it: the
// summary is where a follow-up's state lives (so that the context shows
// open follow-ups from its one point read); the follow-up index
// (FollowUpRow) is kept from it, in the same Atomically.
type SummaryFollowUp struct {
	ID string
	// FollowUp is a serialised rapportv1.FollowUp. It holds references,
	// codes and times only (no personal data), which is why repository/sealed
	// stores it as it is.
	FollowUp []byte
	// RequestID and Result are the last Complete or Snooze request with a
	// request ID on it: its ID with a fingerprint of the request
	// ("id/fingerprint"), and the serialised response it got, which a retry
	// returns.
	RequestID string
	Result    []byte
}

// FollowUpRow is one entry of the follow-up index, ordered by (state, due
// time) within a tenant: what ListFollowUps reads, a page at a time.
type FollowUpRow struct {
	CustomerID string
	FollowUpID string
	State      int32
	Reason     int32
	// Blocked is the follow-up's blocked reason ("" when it can be made).
	Blocked string
	DueTime time.Time
	// FollowUp is the serialised rapportv1.FollowUp (references only).
	FollowUp []byte
}

// FollowUpKey names a follow-up of a tenant.
type FollowUpKey struct{ CustomerID, FollowUpID string }

// FollowUpFilter selects index entries: one state; optionally one
// customer, a due-time range [DueFrom, DueUntil) (zero: unbounded), one
// reason and a blocked reason ("" included when BlockedSet).
type FollowUpFilter struct {
	State      int32
	CustomerID string
	DueFrom    time.Time
	DueUntil   time.Time
	Reason     int32
	Blocked    string
	BlockedSet bool
}

// FollowUpCursor is the position after the last entry of a page (the
// index's order: due time, customer, ID).
type FollowUpCursor struct {
	DueTime    time.Time
	CustomerID string
	FollowUpID string
}

// appendFollowUps writes a summary's follow-ups: their count, then each
// one's ID, value, request and result.
func appendFollowUps(b []byte, fus []SummaryFollowUp) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(fus)))
	for _, f := range fus {
		b = appendString16(b, f.ID)
		b = appendBytes32(b, f.FollowUp)
		b = appendString16(b, f.RequestID)
		b = appendBytes32(b, f.Result)
	}
	return b
}

func readFollowUps(r *byteReader) []SummaryFollowUp {
	n := int(r.uint32())
	var out []SummaryFollowUp
	for i := 0; i < n && !r.err; i++ {
		f := SummaryFollowUp{ID: string(r.bytes(int(r.uint16())))}
		f.FollowUp = r.bytes(int(r.uint32()))
		f.RequestID = string(r.bytes(int(r.uint16())))
		f.Result = r.bytes(int(r.uint32()))
		out = append(out, f)
	}
	return out
}
