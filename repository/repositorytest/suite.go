package repositorytest

import (
	"strings"
	"testing"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Run runs the contract suite against an engine's stores: what the
// service relies on from every adapter. Each test gets stores of its own.
func Run(t *testing.T, e Engine) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, e Engine)
	}{
		{"CreateGetRoundTrip", testCreateGetRoundTrip},
		{"GetMissingAndOtherTenant", testGetMissingAndOtherTenant},
		{"CreateIdempotentByRequestID", testCreateIdempotentByRequestID},
		{"CreateExistingID", testCreateExistingID},
		{"IdentityConflictNamesOwner", testIdentityConflictNamesOwner},
		{"UpdateMovesIdentityClaims", testUpdateMovesIdentityClaims},
		{"UpdateEtag", testUpdateEtag},
		{"ConcurrentUpdatesLoseNothing", testConcurrentUpdatesLoseNothing},
		{"DeleteErasesEverything", testDeleteErasesEverything},
		{"ErasureLeavesNothingBehind", testErasureLeavesNothingBehind},
		{"WriteAfterAnErasureLeavesNothing", testWriteAfterAnErasureLeavesNothing},
		{"ListCustomersPagesInOrderWithinTenant", testListCustomersPagesInOrderWithinTenant},
		{"InvalidTenantRefused", testInvalidTenantRefused},
		{"RecordInteractionsIsIdempotentByID", testRecordInteractionsIsIdempotentByID},
		{"FactOriginsAndSentimentLanguageKept", testFactOriginsAndSentimentLanguageKept},
		{"ListInteractionsKeysetWithEqualTimes", testListInteractionsKeysetWithEqualTimes},
		{"ListInteractionsFilters", testListInteractionsFilters},
		{"PagingIsStableUnderInserts", testPagingIsStableUnderInserts},
		{"IssuesCreateIdempotentAndList", testIssuesCreateIdempotentAndList},
		{"UpdateIssueOptimisticConcurrency", testUpdateIssueOptimisticConcurrency},
		{"SummaryRoundTripAndConcurrency", testSummaryRoundTripAndConcurrency},
		{"SummaryOfAMissingCustomerIsRefused", testSummaryOfAMissingCustomerIsRefused},
		{"UpdateSummariesOfSeveralCustomers", testUpdateSummariesOfSeveralCustomers},
		{"RecordInteractionsOfAMissingCustomer", testRecordInteractionsOfAMissingCustomer},
		{"AtomicallyCommitsAndReportsErrors", testAtomicallyCommitsAndReportsErrors},
		{"InsightRollupsAddReadClear", testInsightRollupsAddReadClear},
		{"InsightRollupsConcurrentAdds", testInsightRollupsConcurrentAdds},
		{"ContactMarks", testContactMarks},
		{"ExpireAtWrittenWithRetention", testExpireAtWrittenWithRetention},
		{"PurgeQueries", testPurgeQueries},
		{"ReviseExpiry", testReviseExpiry},
		{"APIKeys", testAPIKeys},
		{"AuditEvents", testAuditEvents},
		{"AnotherStoreOnTheSameDataSeesWrites", testAnotherStoreOnTheSameDataSeesWrites},
		{"WatchSummariesPushesOrSaysItCannot", testWatchSummariesPushesOrSaysItCannot},
		{"RecordSurveyLatestAnswerWins", testRecordSurveyLatestAnswerWins},
		{"BackfilledIssueAndCustomerRoundTrip", testBackfilledIssueAndCustomerRoundTrip},
		{"ConcurrentSurveyAnswersConverge", testConcurrentSurveyAnswersConverge},
		{"MergesRecordedListedAndUndone", testMergesRecordedListedAndUndone},
		{"ListCustomersSkipsMergedCustomers", testListCustomersSkipsMergedCustomers},
		{"ConcurrentMergesNeverChain", testConcurrentMergesNeverChain},
		{"MergesFromTwoProcessesNeverChain", testMergesFromTwoProcessesNeverChain},
		{"ConcurrentRetriesOfOneMerge", testConcurrentRetriesOfOneMerge},
		{"ListMergesIntoSeveralSurvivors", testListMergesIntoSeveralSurvivors},
		{"FollowUpIndexByDueTime", testFollowUpIndexByDueTime},
		{"FollowUpsErasedWithTheCustomer", testFollowUpsErasedWithTheCustomer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, e)
		})
	}
}

const tenant = "acme"

func email(v string) *rapportv1.Identity {
	return &rapportv1.Identity{Type: rapportv1.IdentityType_IDENTITY_TYPE_EMAIL, Value: v}
}

func phone(v string) *rapportv1.Identity {
	return &rapportv1.Identity{Type: rapportv1.IdentityType_IDENTITY_TYPE_PHONE, Value: v}
}

func newCustomer(name string, ids ...*rapportv1.Identity) *rapportv1.Customer {
	return &rapportv1.Customer{DisplayName: name, Identities: ids, Preferences: &rapportv1.Preferences{}}
}

func create(t *testing.T, s Store, tenant, id string, ids ...*rapportv1.Identity) *rapportv1.Customer {
	t.Helper()
	c, err := s.CreateCustomer(t.Context(), tenant, repository.CreateRequest{CustomerID: id, Customer: newCustomer("Customer "+id, ids...)})
	if err != nil {
		t.Fatalf("create %s: %v", id, err)
	}
	return c
}

func newInteraction(customer, id string, minute int) repository.NewInteraction {
	return repository.NewInteraction{CustomerID: customer, InteractionID: id, Fingerprint: "f-" + id, Interaction: &rapportv1.Interaction{
		Channel:   rapportv1.Channel_CHANNEL_CHAT,
		OccurTime: timestamppb.New(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC)),
		Summary:   "s " + id,
	}}
}

func record(t *testing.T, s Store, tenant string, items ...repository.NewInteraction) []repository.RecordResult {
	t.Helper()
	res, err := s.RecordInteractions(t.Context(), tenant, items)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// mentions returns the stored rows that contain needle, ignoring case.
func mentions(t *testing.T, e Engine, s Store, needle string) []Row {
	t.Helper()
	var out []Row
	needle = strings.ToLower(needle)
	for _, r := range e.Rows(t, s) {
		for _, v := range r.Values {
			if strings.Contains(strings.ToLower(v), needle) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}
