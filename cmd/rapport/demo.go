package main

import (
	"context"
	"fmt"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The demo data: a few customers with multi-channel histories, open and
// resolved issues, facts, surveys and mixed sentiment, loaded through the
// public API. Every write is idempotent (fixed IDs, request IDs and source
// IDs, and status changes only when the status differs), so loading it twice
// changes nothing. Times are relative to the first load.

type demoContact struct {
	ago      time.Duration
	channel  rapportv1.Channel
	summary  string
	text     string
	topics   []string
	issue    string
	facts    map[string]string
	csat     int32
	nps      int32
	outcome  rapportv1.Outcome
	agent    string
	sourceID string
	// lateCSAT is a CSAT answer a survey system sends 3 hours after the
	// contact (RecordSurvey, with surveyRequestID).
	lateCSAT        int32
	surveyRequestID string
}

type demoIssue struct {
	id, title, topic string
	priority         rapportv1.Priority
	statuses         []rapportv1.IssueStatus // moves after creation
	resolution       string
}

type demoCustomer struct {
	id        string
	requestID string
	customer  *rapportv1.Customer
	issues    []demoIssue
	contacts  []demoContact
	// migrated are issues back-filled from another helpdesk, with their
	// past (fixed times, so that a second load sends the same).
	migrated []*rapportv1.Issue
	// mergeInto names the customer this one turned out to be: it is merged
	// into it (MergeCustomers) once loaded.
	mergeInto string
}

const (
	hour = time.Hour
	dayD = 24 * time.Hour
)

func consent(ch rapportv1.Channel, granted bool) *rapportv1.ChannelConsent {
	st := rapportv1.ConsentStatus_CONSENT_STATUS_DENIED
	if granted {
		st = rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED
	}
	return &rapportv1.ChannelConsent{Channel: ch, Status: st}
}

func weekdays() []rapportv1.DayOfWeek {
	return []rapportv1.DayOfWeek{1, 2, 3, 4, 5}
}

func demoCustomers() []demoCustomer {
	email := rapportv1.IdentityType_IDENTITY_TYPE_EMAIL
	phone := rapportv1.IdentityType_IDENTITY_TYPE_PHONE
	chat := rapportv1.IdentityType_IDENTITY_TYPE_CHAT_HANDLE
	return []demoCustomer{{
		id: "ada-lovelace", requestID: "6b0f0d5e-0d0a-4c61-9a41-6f1a7c2d0a01",
		customer: &rapportv1.Customer{
			DisplayName: "Ada Lovelace", PreferredName: "Ada",
			Identities: []*rapportv1.Identity{{Type: email, Value: "ada.lovelace@example.org", Verified: true}, {Type: phone, Value: "+442079460123", Verified: true}},
			Preferences: &rapportv1.Preferences{
				LanguageCode: "en-GB", TimeZone: "Europe/London", PreferredChannel: rapportv1.Channel_CHANNEL_EMAIL,
				ContactWindows:     []*rapportv1.ContactWindow{{Days: weekdays(), StartTime: "09:00", EndTime: "17:30"}},
				CommunicationStyle: rapportv1.CommunicationStyle_COMMUNICATION_STYLE_CONCISE,
				Consents:           []*rapportv1.ChannelConsent{consent(rapportv1.Channel_CHANNEL_EMAIL, true), consent(rapportv1.Channel_CHANNEL_VOICE, true), consent(rapportv1.Channel_CHANNEL_SMS, false)},
			},
			Traits: map[string]string{"plan": "premium"}, Tags: []string{"vip"},
		},
		issues: []demoIssue{
			{id: "double-charge", title: "Charged twice for order A-1234", topic: "billing", priority: rapportv1.Priority_PRIORITY_HIGH},
			{id: "router-swap", title: "Router replacement", topic: "hardware", statuses: []rapportv1.IssueStatus{rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED}, resolution: "Sent a new router"},
		},
		contacts: []demoContact{
			{ago: 400 * dayD, channel: rapportv1.Channel_CHANNEL_WEB, summary: "Signed up for the premium plan", topics: []string{"account"}, sourceID: "ada-web-1", outcome: rapportv1.Outcome_OUTCOME_INFORMATION_GIVEN},
			{ago: 12 * dayD, channel: rapportv1.Channel_CHANNEL_VOICE, summary: "Router keeps dropping the connection", text: "My router keeps disconnecting every hour, it is frustrating.", topics: []string{"hardware"}, issue: "router-swap", facts: map[string]string{"router_model": "RX-200"}, agent: "agent-3", sourceID: "ada-call-1", outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED},
			{ago: 6 * dayD, channel: rapportv1.Channel_CHANNEL_EMAIL, summary: "Thanked us for the new router", text: "The new router works perfectly, thank you so much!", topics: []string{"hardware"}, issue: "router-swap", csat: 5, sourceID: "ada-mail-1", outcome: rapportv1.Outcome_OUTCOME_RESOLVED},
			{ago: 3*dayD + 2*hour, channel: rapportv1.Channel_CHANNEL_VOICE, summary: "Charged twice for order A-1234; asked for a refund", text: "I was charged twice for the same order and I am really annoyed.", topics: []string{"billing"}, issue: "double-charge", facts: map[string]string{"order_number": "A-1234", "identity_verified": "yes"}, agent: "agent-17", sourceID: "ada-call-2", outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED},
			{ago: 1*dayD + 5*hour, channel: rapportv1.Channel_CHANNEL_CHAT, summary: "Refund not received yet", text: "Still no refund. I already checked my bank statement twice. This is terrible.", topics: []string{"billing"}, issue: "double-charge", facts: map[string]string{"step_tried": "checked the bank statement"}, csat: 2, agent: "bot-1", sourceID: "ada-chat-1", outcome: rapportv1.Outcome_OUTCOME_ESCALATED},
		},
	}, {
		id: "grace-hopper", requestID: "6b0f0d5e-0d0a-4c61-9a41-6f1a7c2d0a02",
		customer: &rapportv1.Customer{
			DisplayName: "Grace Hopper", PreferredName: "Grace",
			Identities: []*rapportv1.Identity{{Type: email, Value: "grace.hopper@example.org"}, {Type: chat, Value: "amazing.grace"}},
			Preferences: &rapportv1.Preferences{
				LanguageCode: "en-US", TimeZone: "America/New_York", PreferredChannel: rapportv1.Channel_CHANNEL_CHAT,
				AccessibilityNeeds: []rapportv1.AccessibilityNeed{rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_HEARING},
				AccessibilityNotes: "prefers chat or email to calls",
				Consents:           []*rapportv1.ChannelConsent{consent(rapportv1.Channel_CHANNEL_CHAT, true), consent(rapportv1.Channel_CHANNEL_EMAIL, true), consent(rapportv1.Channel_CHANNEL_VOICE, false)},
			},
		},
		issues: []demoIssue{{id: "outage", title: "Intermittent outage at the office", topic: "connectivity", priority: rapportv1.Priority_PRIORITY_URGENT,
			statuses: []rapportv1.IssueStatus{rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, rapportv1.IssueStatus_ISSUE_STATUS_REOPENED, rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, rapportv1.IssueStatus_ISSUE_STATUS_REOPENED}}},
		contacts: []demoContact{
			{ago: 20 * dayD, channel: rapportv1.Channel_CHANNEL_CHAT, summary: "Connection drops at the office", topics: []string{"connectivity"}, issue: "outage", facts: map[string]string{"site": "Arlington office", "step_tried": "rebooted the modem"}, sourceID: "grace-chat-1"},
			{ago: 9 * dayD, channel: rapportv1.Channel_CHANNEL_EMAIL, summary: "Outage is back", text: "The outage is back. Disappointing.", topics: []string{"connectivity"}, issue: "outage", nps: 4, sourceID: "grace-mail-1"},
			{ago: 2 * dayD, channel: rapportv1.Channel_CHANNEL_CHAT, summary: "Outage again, third time", text: "Again down. I am losing patience.", topics: []string{"connectivity"}, issue: "outage", sourceID: "grace-chat-2", outcome: rapportv1.Outcome_OUTCOME_ESCALATED,
				lateCSAT: 1, surveyRequestID: "6b0f0d5e-0d0a-4c61-9a41-6f1a7c2d0b01"},
		},
	}, {
		id: "alan-turing", requestID: "6b0f0d5e-0d0a-4c61-9a41-6f1a7c2d0a03",
		customer: &rapportv1.Customer{
			DisplayName: "Alan Turing",
			Identities:  []*rapportv1.Identity{{Type: email, Value: "alan.turing@example.org"}},
			Preferences: &rapportv1.Preferences{LanguageCode: "en-GB", CommunicationStyle: rapportv1.CommunicationStyle_COMMUNICATION_STYLE_FORMAL,
				Consents: []*rapportv1.ChannelConsent{consent(rapportv1.Channel_CHANNEL_EMAIL, true)}},
			// A customer since 2019 in the helpdesk Rapport replaced.
			CustomerSince: fixedTime(2019, 6, 1, 0, 0),
		},
		migrated: []*rapportv1.Issue{{Title: "Invoice sent to the wrong address", Topic: "billing", SourceSystem: "legacy-helpdesk", SourceId: "HD-4711",
			OpenTime: fixedTime(2024, 2, 12, 9, 30),
			StatusHistory: []*rapportv1.IssueStatusChange{
				{Status: rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED, ChangeTime: fixedTime(2024, 2, 14, 16, 0), Resolution: "Corrected the billing address"},
				{Status: rapportv1.IssueStatus_ISSUE_STATUS_REOPENED, ChangeTime: fixedTime(2024, 3, 5, 10, 0)},
				{Status: rapportv1.IssueStatus_ISSUE_STATUS_CLOSED, ChangeTime: fixedTime(2024, 3, 8, 11, 15), Resolution: "Re-issued the invoice"},
			}}},
		contacts: []demoContact{
			{ago: 30 * dayD, channel: rapportv1.Channel_CHANNEL_EMAIL, summary: "Asked about the annual plan", text: "Could you tell me about the annual plan? Thanks.", topics: []string{"plans"}, sourceID: "alan-mail-1", outcome: rapportv1.Outcome_OUTCOME_INFORMATION_GIVEN},
			{ago: 8 * dayD, channel: rapportv1.Channel_CHANNEL_VOICE, summary: "Upgraded to the annual plan", text: "Great service, very helpful, I love it.", topics: []string{"plans"}, nps: 10, csat: 5, sourceID: "alan-call-1", outcome: rapportv1.Outcome_OUTCOME_RESOLVED},
		},
	}, {
		// The call centre recorded Ada again from a phone number nobody had
		// linked; she is merged into ada-lovelace.
		id: "ada-lovelace-phone", requestID: "6b0f0d5e-0d0a-4c61-9a41-6f1a7c2d0a05", mergeInto: "ada-lovelace",
		customer: &rapportv1.Customer{
			DisplayName: "A. Lovelace",
			Identities:  []*rapportv1.Identity{{Type: phone, Value: "+442079460999"}},
		},
		contacts: []demoContact{
			{ago: 2*dayD + 3*hour, channel: rapportv1.Channel_CHANNEL_VOICE, summary: "Called about the double charge from her mobile", topics: []string{"billing"}, agent: "agent-9", sourceID: "adaphone-call-1", outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED},
		},
	}, {
		id: "katherine-johnson", requestID: "6b0f0d5e-0d0a-4c61-9a41-6f1a7c2d0a04",
		customer: &rapportv1.Customer{
			DisplayName: "Katherine Johnson", PreferredName: "Katherine",
			Identities: []*rapportv1.Identity{{Type: email, Value: "katherine.johnson@example.org"}, {Type: rapportv1.IdentityType_IDENTITY_TYPE_EXTERNAL_ID, Value: "crm-0042"}},
			Preferences: &rapportv1.Preferences{LanguageCode: "pt-BR", TimeZone: "America/Sao_Paulo", PreferredChannel: rapportv1.Channel_CHANNEL_EMAIL,
				AccessibilityNeeds: []rapportv1.AccessibilityNeed{rapportv1.AccessibilityNeed_ACCESSIBILITY_NEED_VISION},
				Consents:           []*rapportv1.ChannelConsent{consent(rapportv1.Channel_CHANNEL_EMAIL, true)}},
		},
		issues: []demoIssue{{id: "address-change", title: "Change the delivery address", topic: "delivery", statuses: []rapportv1.IssueStatus{rapportv1.IssueStatus_ISSUE_STATUS_PENDING}}},
		contacts: []demoContact{
			{ago: 4 * dayD, channel: rapportv1.Channel_CHANNEL_WEB, summary: "Requested a delivery address change", topics: []string{"delivery"}, issue: "address-change", facts: map[string]string{"identity_verified": "yes", "new_address": "Rua Augusta 100, São Paulo"}, sourceID: "kj-web-1"},
		},
	}, {
		// A German customer whose feeds send transcripts only: no summary,
		// no facts. The order number, the step already tried and her
		// customer number are read from the text; the sentiment of German
		// text is not computed.
		id: "lena-weber", requestID: "6b0f0d5e-0d0a-4c61-9a41-6f1a7c2d0a06",
		customer: &rapportv1.Customer{
			DisplayName: "Lena Weber", PreferredName: "Frau Weber",
			Identities: []*rapportv1.Identity{{Type: email, Value: "lena.weber@example.de"}, {Type: chat, Value: "lena.w"}},
			Preferences: &rapportv1.Preferences{LanguageCode: "de-DE", TimeZone: "Europe/Berlin", PreferredChannel: rapportv1.Channel_CHANNEL_EMAIL,
				CommunicationStyle: rapportv1.CommunicationStyle_COMMUNICATION_STYLE_FORMAL},
		},
		issues: []demoIssue{{id: "lost-parcel", title: "Paket nicht angekommen", topic: "delivery", priority: rapportv1.Priority_PRIORITY_HIGH}},
		contacts: []demoContact{
			{ago: 9 * dayD, channel: rapportv1.Channel_CHANNEL_EMAIL, text: "Guten Tag, meine Kundennummer lautet 4711-0815. Bitte schicken Sie die Rechnungen künftig an diese Adresse.", topics: []string{"account"}, sourceID: "lena-mail-1"},
			{ago: 2*dayD + 3*hour, channel: rapportv1.Channel_CHANNEL_CHAT, text: "Hallo, meine Bestellnummer ist 304-5512 und das Paket ist immer noch nicht da. Ich habe schon zweimal bei DHL angerufen. Das ist wirklich ärgerlich!", topics: []string{"delivery"}, issue: "lost-parcel", sourceID: "lena-chat-1", outcome: rapportv1.Outcome_OUTCOME_FOLLOW_UP_NEEDED},
		},
	}}
}

// seedDemo loads the demo data through the API at conn, as of now.
func seedDemo(ctx context.Context, conn grpc.ClientConnInterface, now time.Time) error {
	customers := rapportv1.NewCustomerServiceClient(conn)
	issues := rapportv1.NewIssueServiceClient(conn)
	interactions := rapportv1.NewInteractionServiceClient(conn)
	for _, dc := range demoCustomers() {
		parent := "customers/" + dc.id
		if _, err := customers.CreateCustomer(ctx, &rapportv1.CreateCustomerRequest{CustomerId: dc.id, RequestId: dc.requestID, Customer: dc.customer}); err != nil {
			return fmt.Errorf("demo customer %s: %w", dc.id, err)
		}
		for _, di := range dc.issues {
			name := parent + "/issues/" + di.id
			_, err := issues.CreateIssue(ctx, &rapportv1.CreateIssueRequest{Parent: parent, IssueId: di.id,
				Issue: &rapportv1.Issue{Title: di.title, Topic: di.topic, Priority: di.priority}})
			if err != nil && status.Code(err) != codes.AlreadyExists {
				return fmt.Errorf("demo issue %s: %w", name, err)
			}
		}
		for _, is := range dc.migrated {
			if _, err := issues.CreateIssue(ctx, &rapportv1.CreateIssueRequest{Parent: parent, Issue: is}); err != nil {
				return fmt.Errorf("demo migrated issue %s: %w", is.GetSourceId(), err)
			}
		}
		var batch []*rapportv1.RecordInteractionRequest
		for _, c := range dc.contacts {
			in := &rapportv1.Interaction{Channel: c.channel, Direction: rapportv1.Direction_DIRECTION_INBOUND, OccurTime: timestamppb.New(now.Add(-c.ago)),
				Agent: c.agent, Summary: c.summary, Text: c.text, Topics: c.topics, Outcome: c.outcome, SourceSystem: "demo", SourceId: c.sourceID}
			if c.issue != "" {
				in.Issue = parent + "/issues/" + c.issue
			}
			for k, v := range c.facts {
				in.Facts = append(in.Facts, &rapportv1.Fact{Key: k, Value: v})
			}
			if c.csat != 0 || c.nps != 0 {
				in.Survey = &rapportv1.SurveyAnswers{}
				if c.csat != 0 {
					in.Survey.Csat = &c.csat
				}
				if c.nps != 0 {
					in.Survey.Nps = &c.nps
				}
			}
			batch = append(batch, &rapportv1.RecordInteractionRequest{Parent: parent, Interaction: in})
		}
		if len(batch) > 0 {
			res, err := interactions.BatchRecordInteractions(ctx, &rapportv1.BatchRecordInteractionsRequest{Requests: batch})
			if err != nil {
				return fmt.Errorf("demo history of %s: %w", dc.id, err)
			}
			for i, r := range res.GetResults() {
				if r.GetError() != nil {
					return fmt.Errorf("demo interaction %s: %s", dc.contacts[i].sourceID, r.GetError().GetMessage())
				}
				if err := demoLateSurvey(ctx, interactions, dc.contacts[i], r.GetInteraction()); err != nil {
					return err
				}
			}
		}
		// Status moves, only on the first load: an issue that has moved
		// already is left as it is.
		for _, di := range dc.issues {
			name := parent + "/issues/" + di.id
			cur, err := issues.GetIssue(ctx, &rapportv1.GetIssueRequest{Name: name})
			if err != nil {
				return fmt.Errorf("demo issue %s: %w", name, err)
			}
			if cur.GetIssue().GetStatus() != rapportv1.IssueStatus_ISSUE_STATUS_OPEN || cur.GetIssue().GetReopenCount() > 0 {
				continue
			}
			for _, st := range di.statuses {
				upd := &rapportv1.Issue{Name: name, Status: st}
				paths := []string{"status"}
				if st == rapportv1.IssueStatus_ISSUE_STATUS_RESOLVED && di.resolution != "" {
					upd.Resolution, paths = di.resolution, append(paths, "resolution")
				}
				if _, err := issues.UpdateIssue(ctx, &rapportv1.UpdateIssueRequest{Issue: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}); err != nil {
					return fmt.Errorf("demo issue %s to %v: %w", name, st, err)
				}
			}
		}
	}
	for _, dc := range demoCustomers() {
		if dc.mergeInto == "" {
			continue
		}
		if _, err := customers.MergeCustomers(ctx, &rapportv1.MergeCustomersRequest{Customer: "customers/" + dc.mergeInto, MergedCustomer: "customers/" + dc.id}); err != nil {
			return fmt.Errorf("demo merge of %s: %w", dc.id, err)
		}
	}
	return nil
}

// fixedTime is a time (UTC) of the demo data that does not depend on when
// it is loaded.
func fixedTime(year int, month time.Month, day, hour, minute int) *timestamppb.Timestamp {
	return timestamppb.New(time.Date(year, month, day, hour, minute, 0, 0, time.UTC))
}

// demoLateSurvey sends a contact's late survey answer, if it has one, as
// a survey system would: 3 hours after the contact as recorded (the first
// load's time, so that a second load sends the same answer).
func demoLateSurvey(ctx context.Context, interactions rapportv1.InteractionServiceClient, c demoContact, in *rapportv1.Interaction) error {
	if c.lateCSAT == 0 {
		return nil
	}
	_, err := interactions.RecordSurvey(ctx, &rapportv1.RecordSurveyRequest{Interaction: in.GetName(), RequestId: c.surveyRequestID,
		Survey: &rapportv1.SurveyAnswers{Csat: &c.lateCSAT, AnswerTime: timestamppb.New(in.GetOccurTime().AsTime().Add(3 * hour))}})
	if err != nil {
		return fmt.Errorf("demo survey of %s: %w", c.sourceID, err)
	}
	return nil
}

// newSeedCommand is `rapport seed --demo`: loads the demo customers into a
// running server, through its API.
func newSeedCommand(getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seed --demo",
		Short: "Load the demo customers into a running server",
		Long: `Load the demo customers into a running server, through its API. Loading
them again changes nothing.`,
		Args: noArgs,
	}
	client := clientFlags(cmd.Flags(), getenv)
	demo := cmd.Flags().Bool("demo", false, "load the demo customers (required)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if !*demo {
			return usageErrorf("seed: say --demo to load the demo customers")
		}
		if err := loadDemoAt(cmd.Context(), client); err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), "demo data loaded:", demoCustomerNames)
		return nil
	}
	return cmd
}
