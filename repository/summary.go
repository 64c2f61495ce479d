package repository

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

const summariesCollection = "contexts"

// Summary is the per-customer document that GetCustomerContext reads with a
// single point read. The service keeps it up to date on every write, with
// merges that are safe to repeat (a retried write repairs it) and
// optimistic concurrency (several replicas may write one customer at once).
// Its size depends on the customer's activity in the last 90 days, not on
// the length of their history.
//
// The repository only stores it; the rules that fill it live in the
// service. Profiles, issues and interactions are kept as serialised
// rapportv1 messages: compact, and decoded only by the service.
type Summary struct {
	ID         string `bson:"_id"`
	Tenant     string `bson:"tenant"`
	CustomerID string `bson:"customer_id"`
	Revision   int64  `bson:"revision"`

	// Customer is a serialised rapportv1.Customer at CustomerRevision.
	Customer         []byte `bson:"customer,omitempty"`
	CustomerRevision int64  `bson:"customer_revision,omitempty"`
	// Issues are the open and recently closed issues.
	Issues []SummaryIssue `bson:"issues,omitempty"`
	// Recent are the latest interactions, newest first, without text.
	Recent []SummaryInteraction `bson:"recent,omitempty"`
	// Days count contacts per UTC day and channel in the last 90 days.
	Days []DayBucket `bson:"days,omitempty"`
	// TopicDays and IssueDays count contacts per day by topic and by issue.
	TopicDays []KeyDayCount `bson:"topic_days,omitempty"`
	IssueDays []KeyDayCount `bson:"issue_days,omitempty"`

	CSAT *SummaryScore `bson:"csat,omitempty"`
	NPS  *SummaryScore `bson:"nps,omitempty"`
	CES  *SummaryScore `bson:"ces,omitempty"`

	FirstContact time.Time `bson:"first_contact,omitempty"`
	LastContact  time.Time `bson:"last_contact,omitempty"`
	LastChannel  int32     `bson:"last_channel,omitempty"`
	UpdateTime   time.Time `bson:"update_time"`
}

// SummaryIssue is an issue as kept in a summary.
type SummaryIssue struct {
	IssueID  string `bson:"id"`
	Revision int64  `bson:"rev"`
	// Issue is a serialised rapportv1.Issue.
	Issue []byte `bson:"issue"`
}

// SummaryInteraction is a recent interaction as kept in a summary.
type SummaryInteraction struct {
	InteractionID string    `bson:"id"`
	OccurTime     time.Time `bson:"t"`
	// Interaction is a serialised rapportv1.Interaction without text.
	Interaction []byte `bson:"in"`
}

// DayBucket counts one UTC day's contacts.
type DayBucket struct {
	// Day is the number of days since the Unix epoch (UTC).
	Day int32 `bson:"d"`
	// Channels[c] counts contacts on channel number c.
	Channels []int32 `bson:"c"`
	// Hashes holds 8 bytes per counted interaction (a hash of its ID), so
	// that counting the same interaction again is detected.
	Hashes []byte `bson:"h"`
}

// KeyDayCount counts one day's contacts about one key (topic or issue ID).
type KeyDayCount struct {
	Key   string `bson:"k"`
	Day   int32  `bson:"d"`
	Count int32  `bson:"n"`
}

// SummaryScore is the latest answer to one survey question.
type SummaryScore struct {
	Value       int32     `bson:"v"`
	Time        time.Time `bson:"t"`
	Interaction string    `bson:"i"`
}

// GetSummary reads a customer's summary: one point read by _id.
func (s *Store) GetSummary(ctx context.Context, tenant, customerID string) (*Summary, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	var sum Summary
	err := s.db.Collection(summariesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, customerID)}}).Decode(&sum)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fmt.Errorf("summary of %q: %w", customerID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	return &sum, nil
}

// UpdateSummary applies mutate to a customer's summary (an empty one if
// there is none yet) and saves it with optimistic concurrency, retrying on
// conflicts. mutate must be safe to run more than once; an error from it is
// returned as is and saves nothing.
func (s *Store) UpdateSummary(ctx context.Context, tenant, customerID string, mutate func(*Summary) error) (*Summary, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	coll := s.db.Collection(summariesCollection)
	id := docID(tenant, customerID)
	for range maxUpdateAttempts {
		cur, err := s.GetSummary(ctx, tenant, customerID)
		isNew := errors.Is(err, ErrNotFound)
		switch {
		case isNew:
			cur = &Summary{ID: id, Tenant: tenant, CustomerID: customerID}
		case err != nil:
			return nil, err
		}
		old := cur.Revision
		if err := mutate(cur); err != nil {
			return nil, err
		}
		cur.ID, cur.Tenant, cur.CustomerID = id, tenant, customerID
		cur.Revision = old + 1
		cur.UpdateTime = truncate(s.now())
		if isNew {
			_, err := coll.InsertOne(ctx, cur)
			if mongo.IsDuplicateKeyError(err) {
				continue // created concurrently: merge into it
			}
			if err != nil {
				return nil, fmt.Errorf("insert summary: %w", err)
			}
			return cur, nil
		}
		var res *mongo.UpdateResult
		err = s.locks.do(id, func() (err error) {
			res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revision", Value: old}}, cur)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("replace summary: %w", err)
		}
		if res.MatchedCount == 1 {
			return cur, nil
		}
	}
	return nil, ErrContention
}
