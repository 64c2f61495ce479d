package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// newInsightsCommand is `rapport insights`: the tenant's figures for a
// period as a table (or JSON), and `rapport insights rebuild`, through a
// running server.
func newInsightsCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "insights [--from DATE] [--to DATE] [--by day|week|month] [--group-by channel|topic|agent] [--json]",
		Short: "Print the tenant's figures for a period, through a running server",
		Long: `Print the tenant's figures (InsightsService.QueryInsights) for each day,
week or month of a period, as a table, or as JSON (--json: the response, in
protojson). The key needs the insights.read scope. Dates are UTC, YYYY-MM-DD;
--to is exclusive. A figure without samples prints "-".`,
		Example: `  rapport insights --from 2026-01-01 --to 2027-01-01 --by month
  rapport insights --from 2026-11-01 --group-by channel --json`,
		Args: subcommandArgs,
	}
	client := clientFlags(cmd.PersistentFlags(), getenv)
	now := time.Now().UTC()
	from := cmd.Flags().String("from", now.AddDate(0, 0, -30).Format(time.DateOnly), "first day, YYYY-MM-DD (UTC)")
	to := cmd.Flags().String("to", now.AddDate(0, 0, 1).Format(time.DateOnly), "day after the last, YYYY-MM-DD (UTC)")
	by := cmd.Flags().String("by", "day", "period length: day, week or month")
	groupBy := cmd.Flags().String("group-by", "", "breakdown: channel, topic or agent; empty for none")
	asJSON := cmd.Flags().Bool("json", false, "print the response as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		req, err := insightsRequest(*from, *to, *by, *groupBy)
		if err != nil {
			return err
		}
		conn, err := client.dial()
		if err != nil {
			return err
		}
		defer conn.Close()
		res, err := rapportv1.NewInsightsServiceClient(conn).QueryInsights(cmd.Context(), req)
		if err != nil {
			return err
		}
		if *asJSON {
			b, err := protojson.MarshalOptions{Multiline: true, UseProtoNames: true}.Marshal(res)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return err
		}
		return printInsights(cmd.OutOrStdout(), res)
	}
	rebuild := &cobra.Command{
		Use:   "rebuild",
		Short: "Recount the tenant's rollups from the stored history (admin scope)",
		Long: `Recount the tenant's insight rollups from the stored history and replace
them (InsightsService.RebuildInsights; the key needs the admin scope). The
figures of erased customers and purged contacts, which the history no
longer holds, are dropped.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return rebuildInsights(cmd.Context(), client, cmd.OutOrStdout())
		},
	}
	cmd.AddCommand(rebuild)
	return cmd
}

// insightsRequest reads the flags of `rapport insights`.
func insightsRequest(from, to, by, groupBy string) (*rapportv1.QueryInsightsRequest, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, usageErrorf("--from: %q is not YYYY-MM-DD", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, usageErrorf("--to: %q is not YYYY-MM-DD", to)
	}
	g, ok := map[string]rapportv1.InsightsGranularity{
		"day": rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_DAY, "week": rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_WEEK,
		"month": rapportv1.InsightsGranularity_INSIGHTS_GRANULARITY_MONTH,
	}[by]
	if !ok {
		return nil, usageErrorf("--by: %q is not day, week or month", by)
	}
	d, ok := map[string]rapportv1.InsightsDimension{
		"": rapportv1.InsightsDimension_INSIGHTS_DIMENSION_UNSPECIFIED, "channel": rapportv1.InsightsDimension_INSIGHTS_DIMENSION_CHANNEL,
		"topic": rapportv1.InsightsDimension_INSIGHTS_DIMENSION_TOPIC, "agent": rapportv1.InsightsDimension_INSIGHTS_DIMENSION_AGENT,
	}[groupBy]
	if !ok {
		return nil, usageErrorf("--group-by: %q is not channel, topic or agent", groupBy)
	}
	return &rapportv1.QueryInsightsRequest{StartTime: timestamppb.New(f), EndTime: timestamppb.New(t), Granularity: g, GroupBy: d}, nil
}

// printInsights prints one line per period (and per group of a period).
func printInsights(w io.Writer, res *rapportv1.QueryInsightsResponse) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PERIOD\tGROUP\tCONTACTS\tCUSTOMERS\tCSAT\tSAT%\tNPS\tCES\tFCR%\tREPEAT%\tRELAPSE%\tREOPEN%\tTTR p50\tTTR p90\tPOS/NEU/NEG\tSURVEYED%\t")
	for _, p := range res.GetPeriods() {
		period := p.GetStartTime().AsTime().Format(time.DateOnly)
		fmt.Fprintln(tw, insightsLine(period, "all", p.GetFigures()))
		for _, g := range p.GetGroups() {
			fmt.Fprintln(tw, insightsLine(period, g.GetValue(), g.GetFigures()))
		}
	}
	return tw.Flush()
}

func insightsLine(period, group string, f *rapportv1.InsightsFigures) string {
	dash := "-"
	num := func(ok bool, format string, v float64) string {
		if !ok {
			return dash
		}
		return fmt.Sprintf(format, v)
	}
	pct := func(r *rapportv1.InsightsRate) string {
		return num(r != nil, "%.0f", 100*r.GetRate())
	}
	dur := func(d time.Duration, ok bool) string {
		if !ok {
			return dash
		}
		return d.Round(time.Minute).String()
	}
	rt := f.GetResolutionTime()
	sent := dash
	if s := f.GetSentiment(); s != nil {
		sent = fmt.Sprintf("%d/%d/%d", s.GetPositive(), s.GetNeutral(), s.GetNegative())
	}
	cols := []string{period, group, fmt.Sprint(f.GetContacts()), fmt.Sprint(f.GetCustomersContacted()),
		num(f.Csat != nil, "%.2f", f.GetCsat().GetMean()), num(f.Csat != nil, "%.0f", 100*f.GetCsat().GetSatisfiedShare()),
		num(f.Nps != nil, "%.0f", f.GetNps().GetScore()), num(f.Ces != nil, "%.2f", f.GetCes().GetMean()),
		pct(f.GetFirstContactResolution()), pct(f.GetRepeatContact()), pct(f.GetRelapse()), pct(f.GetReopen()),
		dur(rt.GetMedian().AsDuration(), rt != nil), dur(rt.GetP90().AsDuration(), rt != nil), sent, pct(f.GetSurveyResponse())}
	return strings.Join(cols, "\t") + "\t"
}

// rebuildInsights calls RebuildInsights.
func rebuildInsights(ctx context.Context, client *clientConfig, stdout io.Writer) error {
	conn, err := client.dial()
	if err != nil {
		return err
	}
	defer conn.Close()
	res, err := rapportv1.NewInsightsServiceClient(conn).RebuildInsights(ctx, &rapportv1.RebuildInsightsRequest{})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "rebuilt the insight rollups: %d counters\n", res.GetCounters())
	return err
}
