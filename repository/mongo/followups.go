package mongo

import (
	"context"
	"time"

	"github.com/rapporthq/rapport/repository"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// followUpsCollection is the follow-up index: one document per follow-up,
// _id "{tenant}/{customer}/{follow_up}", written after the summary that
// holds the follow-up's state (a retry of the write repairs an index that
// a crash left behind).
const followUpsCollection = "follow_ups"

type followUpDoc struct {
	ID         string    `bson:"_id"`
	Tenant     string    `bson:"tenant"`
	CustomerID string    `bson:"customer_id"`
	FollowUpID string    `bson:"follow_up_id"`
	State      int32     `bson:"state"`
	Reason     int32     `bson:"reason"`
	Blocked    string    `bson:"blocked"`
	DueTime    time.Time `bson:"due_time"`
	Doc        []byte    `bson:"doc"`
}

// followUpIndex is the index ListFollowUps reads a range of.
var followUpIndex = mongo.IndexModel{
	Keys:    bson.D{{Key: "tenant", Value: 1}, {Key: "state", Value: 1}, {Key: "due_time", Value: 1}, {Key: "customer_id", Value: 1}, {Key: "follow_up_id", Value: 1}},
	Options: options.Index().SetName("tenant_state_due"),
}

// WriteFollowUps upserts rows and deletes the removed keys, one document
// at a time; then checks that the customer was not erased meanwhile (an
// erasure that raced the write removes what it wrote).
func (s *Store) WriteFollowUps(ctx context.Context, tenant string, put []repository.FollowUpRow, remove []repository.FollowUpKey) error {
	if err := repository.CheckTenant(tenant); err != nil {
		return err
	}
	coll := s.db.Collection(followUpsCollection)
	customers := map[string]bool{}
	for _, k := range remove {
		if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, k.CustomerID+"/"+k.FollowUpID)}}); err != nil {
			return dbErr("remove a follow-up", err)
		}
		customers[k.CustomerID] = true
	}
	for _, r := range put {
		d := followUpDoc{ID: docID(tenant, r.CustomerID+"/"+r.FollowUpID), Tenant: tenant, CustomerID: r.CustomerID, FollowUpID: r.FollowUpID,
			State: r.State, Reason: r.Reason, Blocked: r.Blocked, DueTime: repository.Truncate(r.DueTime), Doc: r.FollowUp}
		if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true)); err != nil {
			return dbErr("write a follow-up", err)
		}
		customers[r.CustomerID] = true
	}
	for id := range customers {
		if err := s.confirmLive(ctx, tenant, id); err != nil {
			return err
		}
	}
	return nil
}

// ListFollowUps returns up to limit index entries matching f, by due time
// (then customer, ID), after the cursor if given, and whether more follow:
// a range of the index {tenant, state, due_time, customer_id,
// follow_up_id}.
func (s *Store) ListFollowUps(ctx context.Context, tenant string, f repository.FollowUpFilter, after *repository.FollowUpCursor, limit int) ([]repository.FollowUpRow, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	filter := bson.D{{Key: "tenant", Value: tenant}, {Key: "state", Value: f.State}}
	due := bson.D{}
	if !f.DueFrom.IsZero() {
		due = append(due, bson.E{Key: "$gte", Value: repository.Truncate(f.DueFrom)})
	}
	if !f.DueUntil.IsZero() {
		due = append(due, bson.E{Key: "$lt", Value: repository.Truncate(f.DueUntil)})
	}
	if len(due) > 0 {
		filter = append(filter, bson.E{Key: "due_time", Value: due})
	}
	if f.CustomerID != "" {
		filter = append(filter, bson.E{Key: "customer_id", Value: f.CustomerID})
	}
	if f.Reason != 0 {
		filter = append(filter, bson.E{Key: "reason", Value: f.Reason})
	}
	if f.BlockedSet {
		filter = append(filter, bson.E{Key: "blocked", Value: f.Blocked})
	}
	if after != nil {
		t := repository.Truncate(after.DueTime)
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "due_time", Value: bson.D{{Key: "$gt", Value: t}}}},
			bson.D{{Key: "due_time", Value: t}, {Key: "customer_id", Value: bson.D{{Key: "$gt", Value: after.CustomerID}}}},
			bson.D{{Key: "due_time", Value: t}, {Key: "customer_id", Value: after.CustomerID}, {Key: "follow_up_id", Value: bson.D{{Key: "$gt", Value: after.FollowUpID}}}},
		}})
	}
	cur, err := s.db.Collection(followUpsCollection).Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "due_time", Value: 1}, {Key: "customer_id", Value: 1}, {Key: "follow_up_id", Value: 1}}).
		SetLimit(int64(limit+1)))
	if err != nil {
		return nil, false, dbErr("list follow-ups", err)
	}
	defer cur.Close(ctx)
	var out []repository.FollowUpRow
	more := false
	for cur.Next(ctx) {
		if len(out) == limit {
			more = true
			break
		}
		var d followUpDoc
		if err := cur.Decode(&d); err != nil {
			return nil, false, dbErr("read a follow-up", err)
		}
		out = append(out, repository.FollowUpRow{CustomerID: d.CustomerID, FollowUpID: d.FollowUpID, State: d.State, Reason: d.Reason,
			Blocked: d.Blocked, DueTime: d.DueTime.UTC(), FollowUp: d.Doc})
	}
	if err := cur.Err(); err != nil {
		return nil, false, dbErr("list follow-ups", err)
	}
	return out, more, nil
}
