package service

import (
	"context"
	"slices"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// maxStatusHistory bounds an issue's status history, as documented.
const maxStatusHistory = 100

// backfillIssue checks what a create may carry of an issue's past (a
// migration from another system): its open time, its status history and
// its source record, and derives from the history the issue's status,
// resolve time, reopen count and update time. Without a past, the issue
// is new: OPEN, opened now. Paths are under prefix.
func backfillIssue(prefix string, is *rapportv1.Issue, now time.Time) violations {
	var v violations
	sys, id := is.GetSourceSystem(), is.GetSourceId()
	switch {
	case sys == "" && id == "":
	case sys == "" || id == "":
		v.add(prefix+".source_id", "source_system and source_id go together")
	case !sourceSystemPattern.MatchString(sys):
		v.add(prefix+".source_system", "must be 1 to 64 characters of a-z, 0-9, ., _ and -")
	default:
		v.text(prefix+".source_id", id, maxSourceID, true, false)
	}
	checkPast := func(field string, ts interface {
		IsValid() bool
		AsTime() time.Time
	}) bool {
		switch {
		case !ts.IsValid():
			v.add(field, "is not a valid time")
		case ts.AsTime().After(now.Add(maxFutureSkew)):
			v.add(field, "is in the future")
		case ts.AsTime().Year() < earliestHistory:
			v.add(field, "must not be before %d", earliestHistory)
		default:
			return true
		}
		return false
	}
	if is.GetOpenTime() != nil {
		checkPast(prefix+".open_time", is.GetOpenTime())
	}
	history := is.GetStatusHistory()
	is.StatusHistory = nil
	wantStatus := is.GetStatus()
	is.Status = statusOpen
	if len(history) == 0 {
		if wantStatus != rapportv1.IssueStatus_ISSUE_STATUS_UNSPECIFIED && wantStatus != statusOpen {
			v.add(prefix+".status", "a new issue is OPEN; back-fill a past one with its status_history, or change its status with UpdateIssue")
		}
		if is.GetOpenTime() != nil {
			is.UpdateTime = is.GetOpenTime()
		}
		return v
	}
	if len(history) > maxStatusHistory {
		v.add(prefix+".status_history", "must have at most %d entries (got %d)", maxStatusHistory, len(history))
		return v
	}
	if is.GetOpenTime() == nil {
		v.add(prefix+".open_time", "is required with a status_history (the history starts there)")
		return v
	}
	last, lastResolution := is.GetOpenTime().AsTime(), ""
	for i, c := range history {
		field := indexed(prefix+".status_history", i)
		from, to := is.GetStatus(), c.GetStatus()
		ok := v.enum(field+".status", to, true)
		if ok && !slices.Contains(issueLifecycle[from], to) {
			v.add(field+".status", "an issue cannot move from %s to %s", from, to)
			ok = false
		}
		v.text(field+".resolution", c.GetResolution(), maxResolution, false, true)
		switch {
		case c.GetChangeTime() == nil:
			v.add(field+".change_time", "is required")
			ok = false
		case !checkPast(field+".change_time", c.GetChangeTime()):
			ok = false
		case c.GetChangeTime().AsTime().Before(last):
			v.add(field+".change_time", "must not be before the open time or the move before")
			ok = false
		}
		if !ok {
			return v
		}
		last = c.GetChangeTime().AsTime()
		moveStatus(is, c)
		if c.GetResolution() != "" {
			lastResolution = c.GetResolution()
		}
	}
	if is.GetResolution() == "" {
		is.Resolution = lastResolution
	}
	if wantStatus != rapportv1.IssueStatus_ISSUE_STATUS_UNSPECIFIED && wantStatus != is.GetStatus() {
		v.add(prefix+".status", "must be the status of the last move of status_history (%s), or unspecified", is.GetStatus())
	}
	is.UpdateTime = history[len(history)-1].GetChangeTime()
	return v
}

func (s *issueServer) ImportIssues(stream rapportv1.IssueService_ImportIssuesServer) error {
	var totals rapportv1.ImportIssuesResponse
	return serveImport(stream, (*rapportv1.ImportIssuesRequest).GetRequests, func(ctx context.Context, msg *rapportv1.ImportIssuesRequest) *rapportv1.ImportIssuesResponse {
		resp := &rapportv1.ImportIssuesResponse{}
		for i, req := range msg.GetRequests() {
			totals.Received++
			_, already, err := s.create(ctx, req, true)
			switch {
			case err != nil:
				totals.Failed++
				resp.Failures = append(resp.Failures, &rapportv1.ImportFailure{Index: int32(i), Error: itemError(ctx, s.logger, err)})
			case already:
				totals.AlreadyCreated++
			default:
				totals.Created++
			}
		}
		resp.Received, resp.Created, resp.AlreadyCreated, resp.Failed = totals.Received, totals.Created, totals.AlreadyCreated, totals.Failed
		return resp
	})
}
