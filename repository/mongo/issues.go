package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rapporthq/rapport/repository"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const issuesCollection = "issues"

// issueDoc is an issue as stored: _id "{tenant}/{customer}/{issue}".
type issueDoc struct {
	ID              string    `bson:"_id"`
	Tenant          string    `bson:"tenant"`
	CustomerID      string    `bson:"customer_id"`
	IssueID         string    `bson:"issue_id"`
	Revision        int64     `bson:"revision"`
	CreateRequestID string    `bson:"create_request_id,omitempty"`
	Title           string    `bson:"title"`
	Topic           string    `bson:"topic,omitempty"`
	Priority        int32     `bson:"priority,omitempty"`
	Status          int32     `bson:"status"`
	OpenTime        time.Time `bson:"open_time"`
	ResolveTime     time.Time `bson:"resolve_time,omitempty"`
	Resolution      string    `bson:"resolution,omitempty"`
	Interactions    []string  `bson:"interactions,omitempty"`
	InteractionCnt  int32     `bson:"interaction_count,omitempty"`
	Facts           []factDoc `bson:"facts,omitempty"`
	ReopenCount     int32     `bson:"reopen_count,omitempty"`
	CreateTime      time.Time `bson:"create_time"`
	UpdateTime      time.Time `bson:"update_time"`
	// StatusHistory, SourceSystem and SourceID: the issue's status moves,
	// and the record it was migrated from.
	StatusHistory []statusChangeDoc `bson:"status_history,omitempty"`
	SourceSystem  string            `bson:"source_system,omitempty"`
	SourceID      string            `bson:"source_id,omitempty"`
}

type statusChangeDoc struct {
	Status     int32     `bson:"status"`
	ChangeTime time.Time `bson:"change_time"`
	Resolution string    `bson:"resolution,omitempty"`
}

type factDoc struct {
	Key         string    `bson:"key"`
	Value       string    `bson:"value"`
	Channel     int32     `bson:"channel,omitempty"`
	GiveTime    time.Time `bson:"give_time,omitempty"`
	Interaction string    `bson:"interaction,omitempty"`
	Origin      int32     `bson:"origin,omitempty"`
	Span        *spanDoc  `bson:"span,omitempty"`
	// SupersededBy and Correction: Fact.superseded_by and Fact.correction.
	SupersededBy string `bson:"superseded_by,omitempty"`
	Correction   bool   `bson:"correction,omitempty"`
}

// spanDoc is where an extracted fact was read.
type spanDoc struct {
	Field string `bson:"field"`
	Start int32  `bson:"start"`
	End   int32  `bson:"end"`
}

func spanToDoc(s *rapportv1.TextSpan) *spanDoc {
	if s == nil {
		return nil
	}
	return &spanDoc{Field: s.GetField(), Start: s.GetStart(), End: s.GetEnd()}
}

func spanFromDoc(d *spanDoc) *rapportv1.TextSpan {
	if d == nil {
		return nil
	}
	return &rapportv1.TextSpan{Field: d.Field, Start: d.Start, End: d.End}
}

func tsOrNil(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return repository.Truncate(ts.AsTime())
}

func factsToDocs(facts []*rapportv1.Fact) []factDoc {
	out := make([]factDoc, 0, len(facts))
	for _, f := range facts {
		out = append(out, factDoc{Key: f.GetKey(), Value: f.GetValue(), Channel: int32(f.GetChannel()), GiveTime: timeOf(f.GetGiveTime()), Interaction: f.GetInteraction(),
			Origin: int32(f.GetOrigin()), Span: spanToDoc(f.GetSpan()), SupersededBy: f.GetSupersededBy(), Correction: f.GetCorrection()})
	}
	return out
}

func factsFromDocs(docs []factDoc) []*rapportv1.Fact {
	out := make([]*rapportv1.Fact, 0, len(docs))
	for _, f := range docs {
		out = append(out, &rapportv1.Fact{Key: f.Key, Value: f.Value, Channel: rapportv1.Channel(f.Channel), GiveTime: tsOrNil(f.GiveTime), Interaction: f.Interaction,
			Origin: rapportv1.FactOrigin(f.Origin), Span: spanFromDoc(f.Span), SupersededBy: f.SupersededBy, Correction: f.Correction})
	}
	return out
}

func newIssueDoc(tenant, customerID, issueID string, is *rapportv1.Issue) *issueDoc {
	d := &issueDoc{
		ID:             docID(tenant, customerID+"/"+issueID),
		Tenant:         tenant,
		CustomerID:     customerID,
		IssueID:        issueID,
		Title:          is.GetTitle(),
		Topic:          is.GetTopic(),
		Priority:       int32(is.GetPriority()),
		Status:         int32(is.GetStatus()),
		OpenTime:       timeOf(is.GetOpenTime()),
		ResolveTime:    timeOf(is.GetResolveTime()),
		Resolution:     is.GetResolution(),
		Interactions:   is.GetInteractions(),
		InteractionCnt: is.GetInteractionCount(),
		Facts:          factsToDocs(is.GetFacts()),
		ReopenCount:    is.GetReopenCount(),
		CreateTime:     timeOf(is.GetCreateTime()),
		UpdateTime:     timeOf(is.GetUpdateTime()),
		SourceSystem:   is.GetSourceSystem(),
		SourceID:       is.GetSourceId(),
	}
	for _, c := range is.GetStatusHistory() {
		d.StatusHistory = append(d.StatusHistory, statusChangeDoc{Status: int32(c.GetStatus()), ChangeTime: timeOf(c.GetChangeTime()), Resolution: c.GetResolution()})
	}
	return d
}

func (d *issueDoc) proto() *rapportv1.Issue {
	is := &rapportv1.Issue{
		Name:             repository.IssueName(d.CustomerID, d.IssueID),
		Title:            d.Title,
		Topic:            d.Topic,
		Priority:         rapportv1.Priority(d.Priority),
		Status:           rapportv1.IssueStatus(d.Status),
		OpenTime:         tsOrNil(d.OpenTime),
		ResolveTime:      tsOrNil(d.ResolveTime),
		Resolution:       d.Resolution,
		Interactions:     d.Interactions,
		InteractionCount: d.InteractionCnt,
		Facts:            factsFromDocs(d.Facts),
		ReopenCount:      d.ReopenCount,
		CreateTime:       tsOrNil(d.CreateTime),
		UpdateTime:       tsOrNil(d.UpdateTime),
		Etag:             repository.Etag(d.Revision),
		SourceSystem:     d.SourceSystem,
		SourceId:         d.SourceID,
	}
	for _, c := range d.StatusHistory {
		is.StatusHistory = append(is.StatusHistory, &rapportv1.IssueStatusChange{
			Status: rapportv1.IssueStatus(c.Status), ChangeTime: tsOrNil(c.ChangeTime), Resolution: c.Resolution})
	}
	return is
}

// CreateIssue stores a new OPEN issue of an existing customer; with a
// RequestID, a retry returns the first result (see CreateCustomer).
func (s *Store) CreateIssue(ctx context.Context, tenant string, req repository.CreateIssueRequest) (*rapportv1.Issue, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	if _, err := s.getDoc(ctx, tenant, req.CustomerID); err != nil {
		return nil, err
	}
	issueID := req.IssueID
	if req.RequestID != "" {
		first, err := s.recordRequest(ctx, requestDoc{
			ID: docID(tenant, "CreateIssue:"+req.RequestID), Tenant: tenant, CustomerID: req.CustomerID,
			ResourceID: issueID, Method: "CreateIssue", Fingerprint: req.Fingerprint,
		})
		if err != nil {
			return nil, err
		}
		issueID = first.ResourceID
		existing, err := s.getIssueDoc(ctx, tenant, req.CustomerID, issueID)
		switch {
		case err == nil && existing.CreateRequestID == req.RequestID:
			if req.Replayed != nil {
				*req.Replayed = true
			}
			return existing.proto(), nil
		case err != nil && !errors.Is(err, repository.ErrNotFound):
			return nil, err
		}
	}
	is := req.Issue
	repository.StampNewIssue(is, repository.Truncate(s.now()))
	doc := newIssueDoc(tenant, req.CustomerID, issueID, is)
	doc.Revision = 1
	doc.CreateRequestID = req.RequestID
	if _, err := s.db.Collection(issuesCollection).InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil, fmt.Errorf("issue %q: %w", issueID, repository.ErrAlreadyExists)
		}
		return nil, dbErr("insert issue", err)
	}
	return doc.proto(), nil
}

// GetIssue returns an issue of a customer.
func (s *Store) GetIssue(ctx context.Context, tenant, customerID, issueID string) (*rapportv1.Issue, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	d, err := s.getIssueDoc(ctx, tenant, customerID, issueID)
	if err != nil {
		return nil, err
	}
	return d.proto(), nil
}

func (s *Store) getIssueDoc(ctx context.Context, tenant, customerID, issueID string) (*issueDoc, error) {
	var d issueDoc
	err := s.db.Collection(issuesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, customerID+"/"+issueID)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("issue %q: %w", issueID, repository.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr("read issue", err)
	}
	return &d, nil
}

// UpdateIssue applies mutate to the stored issue and saves it with
// optimistic concurrency, like UpdateCustomer. mutate may return an error,
// which is returned as is and changes nothing.
func (s *Store) UpdateIssue(ctx context.Context, tenant, customerID, issueID, etag string, mutate func(*rapportv1.Issue) error) (*rapportv1.Issue, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	coll := s.db.Collection(issuesCollection)
	for attempt := range s.maxAttempts {
		if attempt > 0 {
			backoff(ctx, attempt)
		}
		old, err := s.getIssueDoc(ctx, tenant, customerID, issueID)
		if err != nil {
			return nil, s.failedWrite(ctx, tenant, customerID, err)
		}
		if etag != "" && etag != repository.Etag(old.Revision) {
			return nil, repository.ErrEtagMismatch
		}
		is := old.proto()
		if err := mutate(is); err != nil {
			return nil, s.failedWrite(ctx, tenant, customerID, err)
		}
		is.CreateTime, is.OpenTime = timestamppb.New(old.CreateTime), timestamppb.New(old.OpenTime)
		is.UpdateTime = timestamppb.New(repository.Truncate(s.now()))
		doc := newIssueDoc(tenant, customerID, issueID, is)
		doc.Revision = old.Revision + 1
		doc.CreateRequestID = old.CreateRequestID
		var res *mongo.UpdateResult
		err = s.locks.do(doc.ID, func() (err error) {
			res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "revision", Value: old.Revision}}, doc)
			return err
		})
		if err != nil {
			return nil, dbErr("replace issue", err)
		}
		if res.MatchedCount == 1 {
			return doc.proto(), nil
		}
		if etag != "" {
			return nil, repository.ErrEtagMismatch
		}
	}
	return nil, repository.ErrContention
}

// ListIssues returns up to limit issues of a customer matching f, newest
// first (by open time, then ID), after the cursor if given, and whether more
// follow.
func (s *Store) ListIssues(ctx context.Context, tenant, customerID string, f repository.IssueFilter, after *repository.Cursor, limit int) ([]*rapportv1.Issue, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	and := bson.A{}
	enumIn := func(field string, in []int32, not bool) {
		if len(in) == 0 {
			return
		}
		op := "$in"
		if not {
			op = "$nin"
		}
		and = append(and, bson.D{{Key: field, Value: bson.D{{Key: op, Value: in}}}})
	}
	enumIn("status", int32s(f.Statuses), false)
	enumIn("status", int32s(f.NotStatuses), true)
	enumIn("priority", int32s(f.Priorities), false)
	enumIn("priority", int32s(f.NotPriorities), true)
	if f.Topic != "" {
		and = append(and, bson.D{{Key: "topic", Value: f.Topic}})
	}
	return newestFirst(ctx, s.db.Collection(issuesCollection), tenant, customerID, f.AlsoCustomers, and,
		"open_time", "issue_id", after, limit, (*issueDoc).proto)
}

func int32s[E ~int32](es []E) []int32 {
	out := make([]int32, len(es))
	for i, e := range es {
		out[i] = int32(e)
	}
	return out
}
