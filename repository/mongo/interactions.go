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
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const interactionsCollection = "interactions"

// interactionDoc is an interaction as stored: _id "{tenant}/{interaction}".
// The interaction ID is unique in the tenant (not only per customer), so
// that an ID derived from a source record or request ID makes a retry, or the
// same record sent for another customer, collide on _id.
type interactionDoc struct {
	ID            string        `bson:"_id"`
	Tenant        string        `bson:"tenant"`
	CustomerID    string        `bson:"customer_id"`
	InteractionID string        `bson:"interaction_id"`
	Fingerprint   string        `bson:"fingerprint,omitempty"`
	Channel       int32         `bson:"channel"`
	Direction     int32         `bson:"direction,omitempty"`
	OccurTime     time.Time     `bson:"occur_time"`
	Agent         string        `bson:"agent,omitempty"`
	Summary       string        `bson:"summary,omitempty"`
	Text          string        `bson:"text,omitempty"`
	Topics        []string      `bson:"topics,omitempty"`
	Sentiment     *sentimentDoc `bson:"sentiment,omitempty"`
	Survey        *surveyDoc    `bson:"survey,omitempty"`
	Outcome       int32         `bson:"outcome,omitempty"`
	IssueID       string        `bson:"issue_id,omitempty"`
	SourceSystem  string        `bson:"source_system,omitempty"`
	SourceID      string        `bson:"source_id,omitempty"`
	Facts         []factDoc     `bson:"facts,omitempty"`
	CreateTime    time.Time     `bson:"create_time"`
	// ExpireAt is when the tenant's retention ends for the interaction:
	// occur_time plus the retention it was recorded under; absent when it
	// is kept forever. The TTL index deletes it then, where the server has
	// TTL indexes; the retention purge does everywhere.
	ExpireAt *time.Time `bson:"expire_at,omitempty"`
}

type sentimentDoc struct {
	Score  float64 `bson:"score"`
	Label  int32   `bson:"label"`
	Source int32   `bson:"source"`
	Lang   string  `bson:"lang,omitempty"`
	Mixed  bool    `bson:"mixed,omitempty"`
	Scorer string  `bson:"scorer,omitempty"`
}

type surveyDoc struct {
	CSAT       *int32     `bson:"csat,omitempty"`
	NPS        *int32     `bson:"nps,omitempty"`
	CES        *int32     `bson:"ces,omitempty"`
	AnswerTime *time.Time `bson:"answer_time,omitempty"`
	Comment    string     `bson:"comment,omitempty"`
	RequestID  string     `bson:"request_id,omitempty"`
}

func newSurveyDoc(s *rapportv1.SurveyAnswers) *surveyDoc {
	d := &surveyDoc{CSAT: s.Csat, NPS: s.Nps, CES: s.Ces, Comment: s.GetComment(), RequestID: s.GetRequestId()}
	if s.GetAnswerTime() != nil {
		t := timeOf(s.GetAnswerTime())
		d.AnswerTime = &t
	}
	return d
}

func (d *surveyDoc) proto() *rapportv1.SurveyAnswers {
	s := &rapportv1.SurveyAnswers{Csat: d.CSAT, Nps: d.NPS, Ces: d.CES, Comment: d.Comment, RequestId: d.RequestID}
	if d.AnswerTime != nil {
		s.AnswerTime = timestamppb.New(*d.AnswerTime)
	}
	return s
}

func newInteractionDoc(tenant, customerID, interactionID string, in *rapportv1.Interaction) *interactionDoc {
	d := &interactionDoc{
		ID:            docID(tenant, interactionID),
		Tenant:        tenant,
		CustomerID:    customerID,
		InteractionID: interactionID,
		Channel:       int32(in.GetChannel()),
		Direction:     int32(in.GetDirection()),
		OccurTime:     timeOf(in.GetOccurTime()),
		Agent:         in.GetAgent(),
		Summary:       in.GetSummary(),
		Text:          in.GetText(),
		Topics:        in.GetTopics(),
		Outcome:       int32(in.GetOutcome()),
		SourceSystem:  in.GetSourceSystem(),
		SourceID:      in.GetSourceId(),
		CreateTime:    timeOf(in.GetCreateTime()),
	}
	if len(in.GetFacts()) > 0 {
		d.Facts = factsToDocs(in.GetFacts())
	}
	if s := in.GetSentiment(); s != nil {
		d.Sentiment = &sentimentDoc{Score: s.GetScore(), Label: int32(s.GetLabel()), Source: int32(s.GetSource()), Lang: s.GetLanguage(), Mixed: s.GetMixed(), Scorer: s.GetScorer()}
	}
	if s := in.GetSurvey(); s != nil {
		d.Survey = newSurveyDoc(s)
	}
	return d
}

func (d *interactionDoc) proto() *rapportv1.Interaction {
	in := &rapportv1.Interaction{
		Name:         repository.InteractionName(d.CustomerID, d.InteractionID),
		Channel:      rapportv1.Channel(d.Channel),
		Direction:    rapportv1.Direction(d.Direction),
		OccurTime:    tsOrNil(d.OccurTime),
		Agent:        d.Agent,
		Summary:      d.Summary,
		Text:         d.Text,
		Topics:       d.Topics,
		Outcome:      rapportv1.Outcome(d.Outcome),
		SourceSystem: d.SourceSystem,
		SourceId:     d.SourceID,
		CreateTime:   tsOrNil(d.CreateTime),
	}
	if d.IssueID != "" {
		in.Issue = repository.IssueName(d.CustomerID, d.IssueID)
	}
	if len(d.Facts) > 0 {
		in.Facts = factsFromDocs(d.Facts)
	}
	if s := d.Sentiment; s != nil {
		in.Sentiment = &rapportv1.Sentiment{Score: s.Score, Label: rapportv1.SentimentLabel(s.Label), Source: rapportv1.SentimentSource(s.Source), Language: s.Lang, Mixed: s.Mixed, Scorer: s.Scorer}
	}
	if s := d.Survey; s != nil {
		in.Survey = s.proto()
	}
	return in
}

// RecordInteractions stores interactions with one unordered bulk insert, and
// reports each item's result in order. Items whose ID exists already are not
// written again: they get the stored interaction, flagged AlreadyRecorded.
// Items of customers that do not exist (or are being erased) get
// ErrNotFound, found with one query for all; issues are checked by the
// caller. A customer erased after that query is swept by the write's
// closing summary update (see confirmLive).
func (s *Store) RecordInteractions(ctx context.Context, tenant string, items []repository.NewInteraction) ([]repository.RecordResult, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	results := make([]repository.RecordResult, len(items))
	if len(items) == 0 {
		return results, nil
	}
	live, err := s.liveCustomers(ctx, tenant, items)
	if err != nil {
		return nil, err
	}
	now := repository.Truncate(s.now())
	docs := make([]any, 0, len(items))
	index := make([]int, 0, len(items)) // docs[k] is items[index[k]]
	for i, it := range items {
		if !live[it.CustomerID] {
			results[i] = repository.RecordResult{Err: fmt.Errorf("customer %q: %w", it.CustomerID, repository.ErrNotFound)}
			continue
		}
		it.Interaction.CreateTime = timestamppb.New(now)
		d := newInteractionDoc(tenant, it.CustomerID, it.InteractionID, it.Interaction)
		d.IssueID = it.IssueID
		d.Fingerprint = it.Fingerprint
		if it.Retention > 0 {
			exp := d.OccurTime.Add(it.Retention)
			d.ExpireAt = &exp
		}
		docs = append(docs, d)
		index = append(index, i)
		results[i] = repository.RecordResult{Interaction: d.proto()}
	}
	if len(docs) == 0 {
		return results, nil
	}
	coll := s.db.Collection(interactionsCollection)
	_, err = coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	dups := map[int]bool{} // by index in docs
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return nil, dbErr("insert interactions", err)
		}
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				results[index[we.Index]] = repository.RecordResult{Err: dbErr("insert interaction", we)}
				continue
			}
			dups[we.Index] = true
		}
	}
	if len(dups) == 0 {
		return results, nil
	}
	// Items that collided: read what is stored (one query) and compare.
	ids := make([]string, 0, len(dups))
	for i := range dups {
		ids = append(ids, docs[i].(*interactionDoc).ID)
	}
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, dbErr("read recorded interactions", err)
	}
	var stored []interactionDoc
	if err := cur.All(ctx, &stored); err != nil {
		return nil, dbErr("read recorded interactions", err)
	}
	storedByID := make(map[string]*interactionDoc, len(stored))
	for i := range stored {
		storedByID[stored[i].ID] = &stored[i]
	}
	for k := range dups {
		i := index[k]
		it, d := items[i], docs[k].(*interactionDoc)
		got, ok := storedByID[d.ID]
		switch {
		case !ok:
			results[i] = repository.RecordResult{Err: fmt.Errorf("interaction %q vanished after a duplicate key", d.ID)}
		case got.CustomerID != it.CustomerID:
			results[i] = repository.RecordResult{Err: &repository.SourceConflictError{InteractionID: it.InteractionID}}
		case it.CheckFingerprint && got.Fingerprint != it.Fingerprint:
			results[i] = repository.RecordResult{Err: repository.ErrRequestReused}
		default:
			results[i] = repository.RecordResult{Interaction: got.proto(), AlreadyRecorded: true}
		}
	}
	// Two copies of one ID within the batch: the first inserted, the rest
	// collided with it and were handled above.
	return results, nil
}

// liveCustomers reports which of the items' customers exist and are not
// being erased: one query.
func (s *Store) liveCustomers(ctx context.Context, tenant string, items []repository.NewInteraction) (map[string]bool, error) {
	var ids []string
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.CustomerID] {
			seen[it.CustomerID] = true
			ids = append(ids, docID(tenant, it.CustomerID))
		}
	}
	cur, err := s.customers.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "customer_id", Value: 1}}))
	if err != nil {
		return nil, dbErr("read customers", err)
	}
	var docs []struct {
		CustomerID string `bson:"customer_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, dbErr("read customers", err)
	}
	live := make(map[string]bool, len(docs))
	for _, d := range docs {
		live[d.CustomerID] = true
	}
	return live, nil
}

// GetInteraction returns an interaction of a customer.
func (s *Store) GetInteraction(ctx context.Context, tenant, customerID, interactionID string) (*rapportv1.Interaction, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, err
	}
	var d interactionDoc
	err := s.db.Collection(interactionsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: docID(tenant, interactionID)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && d.CustomerID != customerID) {
		return nil, fmt.Errorf("interaction %q: %w", interactionID, repository.ErrNotFound)
	}
	if err != nil {
		return nil, dbErr("read interaction", err)
	}
	return d.proto(), nil
}

func (s *Store) ListInteractions(ctx context.Context, tenant, customerID string, f repository.InteractionFilter, after *repository.Cursor, limit int) ([]*rapportv1.Interaction, bool, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return nil, false, err
	}
	and := bson.A{}
	if len(f.Channels) > 0 {
		and = append(and, bson.D{{Key: "channel", Value: bson.D{{Key: "$in", Value: int32s(f.Channels)}}}})
	}
	bound := func(t time.Time, inclusive bool, op, opInclusive string) {
		if t.IsZero() {
			return
		}
		if inclusive {
			op = opInclusive
		}
		and = append(and, bson.D{{Key: "occur_time", Value: bson.D{{Key: op, Value: t}}}})
	}
	bound(f.After, f.AfterInclusive, "$gt", "$gte")
	bound(f.Before, f.BeforeInclusive, "$lt", "$lte")
	for _, t := range f.Topics {
		and = append(and, bson.D{{Key: "topics", Value: t}})
	}
	if f.IssueID != "" {
		and = append(and, bson.D{{Key: "issue_id", Value: f.IssueID}})
	}
	return newestFirst(ctx, s.db.Collection(interactionsCollection), tenant, customerID, f.AlsoCustomers, and,
		"occur_time", "interaction_id", after, limit, (*interactionDoc).proto)
}

// RecordSurvey attaches a survey answer to an interaction, in steps that a
// retry repeats safely: (1) the request ID is recorded (a retry finds it,
// and repeats the next step, which repairs a crash in between); (2) the
// answer is set on the interaction with a conditional update that matches
// only when it wins over the answer there (repository.SurveyWins), so that
// concurrent answers converge whatever their order (under the document's
// lock, as every conditional write here: see keyLocks). A missing
// interaction stores nothing.
func (s *Store) RecordSurvey(ctx context.Context, tenant string, a repository.SurveyAnswer) (repository.SurveyResult, error) {
	if err := repository.CheckTenant(tenant); err != nil {
		return repository.SurveyResult{}, err
	}
	var out repository.SurveyResult
	rec := requestDoc{ID: docID(tenant, "RecordSurvey:"+a.RequestID), Tenant: tenant, CustomerID: a.CustomerID,
		ResourceID: a.InteractionID, Method: "RecordSurvey", Fingerprint: a.Fingerprint}
	var first requestDoc
	err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: rec.ID}}).Decode(&first)
	switch {
	case err == nil:
		if first.Fingerprint != rec.Fingerprint || first.Method != rec.Method {
			return out, repository.ErrRequestReused
		}
		rec, out.AlreadyRecorded = first, true
	case !errors.Is(err, mongo.ErrNoDocuments):
		return out, dbErr("read request record", err)
	default:
		if _, err := s.GetInteraction(ctx, tenant, a.CustomerID, a.InteractionID); err != nil {
			return out, err
		}
		if rec, err = s.recordRequest(ctx, rec); err != nil {
			return out, err
		}
	}
	sv := newSurveyDoc(a.Survey)
	sv.RequestID = a.RequestID
	at := time.Time{}
	if sv.AnswerTime != nil {
		at = *sv.AnswerTime
	}
	coll := s.db.Collection(interactionsCollection)
	id := docID(tenant, rec.ResourceID)
	err = s.locks.do(id, func() error {
		_, err := coll.UpdateOne(ctx, bson.D{
			{Key: "_id", Value: id}, {Key: "customer_id", Value: rec.CustomerID},
			{Key: "$or", Value: bson.A{
				bson.D{{Key: "survey.answer_time", Value: bson.D{{Key: "$exists", Value: false}}}},
				bson.D{{Key: "survey.answer_time", Value: bson.D{{Key: "$lt", Value: at}}}},
				bson.D{{Key: "survey.answer_time", Value: at}, {Key: "survey.request_id", Value: bson.D{{Key: "$lt", Value: a.RequestID}}}},
				bson.D{{Key: "survey.answer_time", Value: at}, {Key: "survey.request_id", Value: bson.D{{Key: "$exists", Value: false}}}},
			}},
		}, bson.D{{Key: "$set", Value: bson.D{{Key: "survey", Value: sv}}}})
		return err
	})
	if err != nil {
		return out, dbErr("save survey", err)
	}
	in, err := s.GetInteraction(ctx, tenant, rec.CustomerID, rec.ResourceID)
	if err != nil {
		return out, err
	}
	out.Interaction, out.Superseded = in, in.GetSurvey().GetRequestId() != a.RequestID
	return out, nil
}
