package service

import (
	"context"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"github.com/rapporthq/rapport/service/access"
	"github.com/rapporthq/rapport/service/insights"
)

// Bounds of a QueryInsights interval, in days.
const (
	maxInsightDaysDaily = 400
	maxInsightDays      = 3700
)

// insightsServer serves InsightsService from the rollups.
type insightsServer struct {
	rapportv1.UnimplementedInsightsServiceServer
	store InsightStore
	// rebuild is the store a rebuild recounts from and writes to.
	rebuild RebuildStore
}

var insightGranularities = map[rapportv1.InsightsGranularity]string{
	rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_UNSPECIFIED: insights.Day,
	rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_DAY:         insights.Day,
	rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_WEEK:        insights.Week,
	rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_MONTH:       insights.Month,
}

var insightDimensions = map[rapportv1.InsightsDimension]string{
	rapportv1.InsightsDimension_INSIGHTS_DIMENSION_UNSPECIFIED: insights.DimNone,
	rapportv1.InsightsDimension_INSIGHTS_DIMENSION_CHANNEL:     insights.DimChannel,
	rapportv1.InsightsDimension_INSIGHTS_DIMENSION_TOPIC:       insights.DimTopic,
	rapportv1.InsightsDimension_INSIGHTS_DIMENSION_AGENT:       insights.DimAgent,
}

// insightQuery validates a request into a query.
func insightQuery(req *rapportv1.QueryInsightsRequest) (insights.Query, error) {
	var v violations
	g, okG := insightGranularities[req.GetGranularity()]
	if !okG {
		v.add("granularity", "unknown value %d", req.GetGranularity())
	}
	dim, okD := insightDimensions[req.GetGroupBy()]
	if !okD {
		v.add("group_by", "unknown value %d", req.GetGroupBy())
	}
	if req.GetStartTime() == nil {
		v.add("start_time", "is required")
	} else if err := req.GetStartTime().CheckValid(); err != nil {
		v.add("start_time", "is not a valid timestamp")
	}
	if req.GetEndTime() == nil {
		v.add("end_time", "is required")
	} else if err := req.GetEndTime().CheckValid(); err != nil {
		v.add("end_time", "is not a valid timestamp")
	}
	if err := v.err(); err != nil {
		return insights.Query{}, err
	}
	q := insights.Query{Granularity: g, From: req.GetStartTime().AsTime(), To: req.GetEndTime().AsTime(), Dim: dim}
	if !q.To.After(q.From) {
		v.add("end_time", "must be after start_time")
		return q, v.err()
	}
	from, to := q.Bounds()
	limit := maxInsightDays
	if g == insights.Day {
		limit = maxInsightDaysDaily
	}
	if days := int(to.Sub(from).Hours() / 24); days > limit {
		v.add("end_time", "the interval covers %d days; at most %d with this granularity", days, limit)
	}
	return q, v.err()
}

func (s *insightsServer) QueryInsights(ctx context.Context, req *rapportv1.QueryInsightsRequest) (*rapportv1.QueryInsightsResponse, error) {
	q, err := insightQuery(req)
	if err != nil {
		return nil, err
	}
	tenant := access.TenantOf(ctx)
	var rows []repository.InsightRow
	for _, r := range q.Reads() {
		got, err := s.store.ReadInsights(ctx, tenant, r)
		if err != nil {
			return nil, err
		}
		rows = append(rows, got...)
	}
	return &rapportv1.QueryInsightsResponse{Periods: insights.Periods(q, rows)}, nil
}

func (s *insightsServer) RebuildInsights(ctx context.Context, _ *rapportv1.RebuildInsightsRequest) (*rapportv1.RebuildInsightsResponse, error) {
	n, err := RebuildInsights(ctx, s.rebuild, access.TenantOf(ctx), insights.Groups{})
	if err != nil {
		return nil, err
	}
	return &rapportv1.RebuildInsightsResponse{Counters: int64(n)}, nil
}
