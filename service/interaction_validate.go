package service

import (
	"math"
	"regexp"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext"
)

// Limits of an interaction and of facts, as documented in the proto.
const (
	maxAgent        = 200
	maxSummary      = 2000
	maxTextBytes    = 65536
	maxTopics       = 20
	maxFacts        = 50
	maxIssueFacts   = 200
	maxFactValue    = 1000
	maxSourceID     = 256
	maxFutureSkew   = 5 * time.Minute
	maxBatchItems   = 500
	maxIssueTitle   = 200
	maxResolution   = 2000
	earliestHistory = 1990
)

var (
	topicPattern        = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	sourceSystemPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	factKeyPattern      = traitKeyPattern
)

// normalizeTopic lowers and trims a topic and reports whether it is valid.
func normalizeTopic(t string) (string, bool) {
	t = strings.ToLower(strings.TrimSpace(t))
	return t, topicPattern.MatchString(t)
}

// normalizeInteraction checks an interaction to record and rewrites it in
// canonical form: topics lowered and de-duplicated, sentiment given or
// computed, facts trimmed and de-duplicated. Paths are under prefix.
func (s *interactionServer) normalizeInteraction(prefix string, in *rapportv1.Interaction, now time.Time) violations {
	var v violations
	in.Name, in.CreateTime, in.Statements = "", nil, nil // output only
	v.enum(prefix+".channel", in.GetChannel(), true)
	v.enum(prefix+".direction", in.GetDirection(), false)
	v.enum(prefix+".outcome", in.GetOutcome(), false)
	switch ot := in.GetOccurTime(); {
	case ot == nil:
		v.add(prefix+".occur_time", "is required")
	case !ot.IsValid():
		v.add(prefix+".occur_time", "is not a valid time")
	case ot.AsTime().After(now.Add(maxFutureSkew)):
		v.add(prefix+".occur_time", "is in the future")
	case ot.AsTime().Year() < earliestHistory:
		v.add(prefix+".occur_time", "must not be before %d", earliestHistory)
	}
	v.text(prefix+".agent", in.GetAgent(), maxAgent, false, false)
	v.text(prefix+".summary", in.GetSummary(), maxSummary, false, true)
	if len(in.GetText()) > maxTextBytes {
		v.add(prefix+".text", "must be at most %d bytes (got %d)", maxTextBytes, len(in.GetText()))
	} else {
		v.text(prefix+".text", in.GetText(), maxTextBytes, false, true)
	}

	in.Topics = normalizeTopics(&v, prefix+".topics", in.GetTopics())

	if sv := in.GetSurvey(); sv != nil {
		checkSurvey(&v, prefix+".survey", sv, now, false)
		if sv.GetAnswerTime() == nil {
			sv.AnswerTime = in.GetOccurTime()
		}
		surveyBeforeContact(&v, prefix+".survey", sv, in)
	}

	if st := in.GetSentiment(); st != nil {
		if math.IsNaN(st.GetScore()) || st.GetScore() < -1 || st.GetScore() > 1 {
			v.add(prefix+".sentiment.score", "must be between -1 and 1")
		}
		if v.enum(prefix+".sentiment.label", st.GetLabel(), false) && st.GetLabel() == rapportv1.SentimentLabel_SENTIMENT_LABEL_UNSPECIFIED {
			st.Label = customercontext.SentimentLabel(st.GetScore())
		}
		st.Source = rapportv1.SentimentSource_SENTIMENT_SOURCE_GIVEN
	} else if text := strings.TrimSpace(in.GetText() + " " + in.GetSummary()); text != "" && len(v) == 0 {
		src := in.GetText()
		if strings.TrimSpace(src) == "" {
			src = in.GetSummary()
		}
		// The customer's preferred language would settle an ambiguous text
		// (language.Detect takes it) but is not at hand here: reading it costs
		// a point read of the customer per write, which the write path does
		// not make. Text alone decides.
		in.Sentiment = s.sentiment.Compute(src, "")
	}

	sys, id := in.GetSourceSystem(), in.GetSourceId()
	switch {
	case sys == "" && id == "":
	case sys == "" || id == "":
		v.add(prefix+".source_id", "source_system and source_id go together")
	case !sourceSystemPattern.MatchString(sys):
		v.add(prefix+".source_system", "must be 1 to 64 characters of a-z, 0-9, ., _ and -")
	default:
		v.text(prefix+".source_id", id, maxSourceID, true, false)
	}

	in.Facts = normalizeFacts(&v, prefix+".facts", in.GetFacts(), maxFacts)
	for _, f := range in.Facts {
		f.Channel, f.GiveTime, f.Interaction = in.GetChannel(), nil, ""
	}
	if len(v) == 0 {
		in.Facts = append(in.Facts, customercontext.ExtractFacts(in, s.phoneRegion)...)
	}
	return v
}

// normalizeTopics lowers topics and returns them without repeats, in the
// order first given.
func normalizeTopics(v *violations, field string, topics []string) []string {
	return uniqueList(v, field, topics, maxTopics, v.topic)
}

// normalizeFacts checks at most limit facts, trims them, and drops repeats
// (same key and value, ignoring case and spaces: customercontext.FactKey),
// keeping the first.
func normalizeFacts(v *violations, field string, facts []*rapportv1.Fact, limit int) []*rapportv1.Fact {
	if v.tooMany(field, len(facts), limit) {
		return facts
	}
	var out []*rapportv1.Fact
	seen := make(map[customercontext.FactID]bool, len(facts))
	for i, f := range facts {
		f.Key, f.Value = strings.TrimSpace(f.GetKey()), strings.TrimSpace(f.GetValue())
		f.Origin, f.Span = rapportv1.FactOrigin_FACT_ORIGIN_GIVEN, nil
		fi := indexed(field, i)
		if !factKeyPattern.MatchString(f.GetKey()) {
			v.add(fi+".key", "must be 1 to 64 characters of a-z, 0-9 and _, starting with a letter")
		}
		v.text(fi+".value", f.GetValue(), maxFactValue, true, false)
		v.enum(fi+".channel", f.GetChannel(), false)
		if id := customercontext.FactKey(f); !seen[id] {
			seen[id] = true
			out = append(out, f)
		}
	}
	return out
}
