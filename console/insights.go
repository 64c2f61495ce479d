package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapporthq/rapport/console/chart"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// insightsPeriod is one choice of the insights page: the granularity and
// how many periods back from now.
type insightsPeriod struct {
	Param, Name, Label string
	granularity        rapportv1.InsightsGranularity
	count              int
	format             string
}

var insightsPeriods = []insightsPeriod{
	{"day", "day", "the last 30 days", rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_DAY, 30, "2 Jan"},
	{"week", "week", "the last 12 weeks", rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_WEEK, 12, "2 Jan"},
	{"month", "month", "the last 12 months", rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_MONTH, 12, "Jan 2006"},
}

// insightsView is the insights page's data.
type insightsView struct {
	Period     insightsPeriod
	Periods    []insightsPeriod
	Start, End *timestamppb.Timestamp
	Contacts   chart.Chart
	CSAT       chart.Chart
	ByChannel  chart.Chart
	Rows       []*rapportv1.InsightsPeriod
	Format     string
}

// insightsPage charts the tenant's figures (QueryInsights, by channel):
// contacts and CSAT per period, contacts by channel over the interval, and
// every figure in a table.
func (h *Handler) insightsPage(w http.ResponseWriter, r *http.Request, c *call) {
	p := insightsPeriods[1]
	if q := r.URL.Query().Get("period"); q != "" {
		found := false
		for _, ip := range insightsPeriods {
			if ip.Param == q {
				p, found = ip, true
			}
		}
		if !found {
			h.errorPage(w, c.s, http.StatusBadRequest, "period: want day, week or month.", nil)
			return
		}
	}
	now := h.cfg.Now().UTC()
	var start time.Time
	switch p.granularity {
	case rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_DAY:
		start = now.AddDate(0, 0, -(p.count - 1))
	case rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_WEEK:
		start = now.AddDate(0, 0, -7*(p.count-1))
	default:
		start = now.AddDate(0, -(p.count - 1), 0)
	}
	req := &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(start), EndTime: timestamppb.New(now), Granularity: p.granularity,
		GroupBy: rapportv1.InsightsDimension_INSIGHTS_DIMENSION_CHANNEL}
	resp, err := h.insights.QueryInsights(c.ctx, req)
	if err != nil {
		h.fail(w, r, c.s, err)
		return
	}
	v := insightsView{Period: p, Periods: insightsPeriods, Start: req.StartTime, End: req.EndTime, Rows: resp.GetPeriods(), Format: p.format,
		Contacts:  chart.Chart{ID: "contacts-per-period", Title: "Contacts per " + p.Name + ", " + p.Label, Unit: "contacts"},
		CSAT:      chart.Chart{ID: "csat-per-period", Title: "Mean CSAT (1 to 5) per " + p.Name + ", periods with answers", Format: func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }},
		ByChannel: chart.Chart{ID: "contacts-by-channel", Title: "Contacts by channel, " + p.Label, Unit: "contacts"},
	}
	byChannel := map[string]int64{}
	var order []string
	for _, per := range resp.GetPeriods() {
		label := per.GetStartTime().AsTime().UTC().Format(p.format)
		f := per.GetFigures()
		v.Contacts.Points = append(v.Contacts.Points, chart.Point{Label: label, Value: float64(f.GetContacts())})
		if f.GetCsat().GetSampleCount() > 0 {
			v.CSAT.Points = append(v.CSAT.Points, chart.Point{Label: label, Value: f.GetCsat().GetMean()})
		}
		for _, g := range per.GetGroups() {
			if _, ok := byChannel[g.GetValue()]; !ok {
				order = append(order, g.GetValue())
			}
			byChannel[g.GetValue()] += g.GetFigures().GetContacts()
		}
	}
	for _, ch := range order {
		v.ByChannel.Points = append(v.ByChannel.Points, chart.Point{Label: ch, Value: float64(byChannel[ch])})
	}
	h.render(w, c.s, http.StatusOK, "insights", v)
}
