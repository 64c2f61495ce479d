package sqlite

// InsightsRead is the statement of a rollup read, for the plan test.
const InsightsRead = insightsRead
