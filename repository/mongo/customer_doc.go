package mongo

import (
	"time"

	"github.com/rapporthq/rapport/repository"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// customerDoc is a customer as stored in the customers collection.
type customerDoc struct {
	ID         string `bson:"_id"`
	Tenant     string `bson:"tenant"`
	CustomerID string `bson:"customer_id"`
	// Revision grows by one on every change; the etag is derived from it and
	// it guards every replace (optimistic concurrency).
	Revision int64 `bson:"revision"`
	// CreateRequestID is the request_id of the CreateCustomer call that made
	// the customer, so a retry can tell its own result from a name clash.
	CreateRequestID string `bson:"create_request_id,omitempty"`
	// Deleting marks a customer whose erasure has started: it is invisible to
	// reads, and a retried DeleteCustomer finishes the job.
	Deleting bool `bson:"deleting,omitempty"`
	// Merged and MergedInto mark a customer merged into another (set by
	// MergeCustomers after its merge is claimed, removed by
	// UnmergeCustomers after the merge): what ListCustomers reads, through
	// the index {merged, _id}. The merges collection says what is merged;
	// a replace of the document keeps the mark (UpdateCustomer).
	Merged     bool   `bson:"merged,omitempty"`
	MergedInto string `bson:"merged_into,omitempty"`

	DisplayName   string            `bson:"display_name"`
	PreferredName string            `bson:"preferred_name,omitempty"`
	Identities    []identityValue   `bson:"identities,omitempty"`
	Preferences   preferencesDoc    `bson:"preferences"`
	Traits        map[string]string `bson:"traits,omitempty"`
	Tags          []string          `bson:"tags,omitempty"`
	CreateTime    time.Time         `bson:"create_time"`
	UpdateTime    time.Time         `bson:"update_time"`
	CustomerSince *time.Time        `bson:"customer_since,omitempty"`
}

type identityValue struct {
	Type     int32  `bson:"type"`
	Value    string `bson:"value"`
	Verified bool   `bson:"verified,omitempty"`
}

type preferencesDoc struct {
	LanguageCode       string             `bson:"language_code,omitempty"`
	TimeZone           string             `bson:"time_zone,omitempty"`
	PreferredChannel   int32              `bson:"preferred_channel,omitempty"`
	ContactWindows     []contactWindowDoc `bson:"contact_windows,omitempty"`
	CommunicationStyle int32              `bson:"communication_style,omitempty"`
	AccessibilityNeeds []int32            `bson:"accessibility_needs,omitempty"`
	AccessibilityNotes string             `bson:"accessibility_notes,omitempty"`
	Consents           []consentDoc       `bson:"consents,omitempty"`
}

type contactWindowDoc struct {
	Days      []int32 `bson:"days"`
	StartTime string  `bson:"start_time"`
	EndTime   string  `bson:"end_time"`
}

type consentDoc struct {
	Channel    int32     `bson:"channel"`
	Status     int32     `bson:"status"`
	UpdateTime time.Time `bson:"update_time"`
}

func newCustomerDoc(tenant, customerID string, c *rapportv1.Customer) *customerDoc {
	d := &customerDoc{
		ID:            docID(tenant, customerID),
		Tenant:        tenant,
		CustomerID:    customerID,
		DisplayName:   c.GetDisplayName(),
		PreferredName: c.GetPreferredName(),
		Traits:        c.GetTraits(),
		Tags:          c.GetTags(),
		CreateTime:    repository.Truncate(c.GetCreateTime().AsTime()),
		UpdateTime:    repository.Truncate(c.GetUpdateTime().AsTime()),
	}
	if len(d.Traits) == 0 {
		d.Traits = nil
	}
	if cs := c.GetCustomerSince(); cs != nil {
		t := repository.Truncate(cs.AsTime())
		d.CustomerSince = &t
	}
	for _, id := range c.GetIdentities() {
		d.Identities = append(d.Identities, identityValue{Type: int32(id.GetType()), Value: id.GetValue(), Verified: id.GetVerified()})
	}
	p := c.GetPreferences()
	d.Preferences = preferencesDoc{
		LanguageCode:       p.GetLanguageCode(),
		TimeZone:           p.GetTimeZone(),
		PreferredChannel:   int32(p.GetPreferredChannel()),
		CommunicationStyle: int32(p.GetCommunicationStyle()),
		AccessibilityNotes: p.GetAccessibilityNotes(),
	}
	for _, w := range p.GetContactWindows() {
		wd := contactWindowDoc{StartTime: w.GetStartTime(), EndTime: w.GetEndTime()}
		for _, day := range w.GetDays() {
			wd.Days = append(wd.Days, int32(day))
		}
		d.Preferences.ContactWindows = append(d.Preferences.ContactWindows, wd)
	}
	for _, n := range p.GetAccessibilityNeeds() {
		d.Preferences.AccessibilityNeeds = append(d.Preferences.AccessibilityNeeds, int32(n))
	}
	for _, c := range p.GetConsents() {
		d.Preferences.Consents = append(d.Preferences.Consents, consentDoc{
			Channel: int32(c.GetChannel()), Status: int32(c.GetStatus()), UpdateTime: repository.Truncate(c.GetUpdateTime().AsTime()),
		})
	}
	return d
}

func (d *customerDoc) proto() *rapportv1.Customer {
	c := &rapportv1.Customer{
		Name:          repository.CustomerName(d.CustomerID),
		DisplayName:   d.DisplayName,
		PreferredName: d.PreferredName,
		Traits:        d.Traits,
		Tags:          d.Tags,
		CreateTime:    timestamppb.New(d.CreateTime),
		UpdateTime:    timestamppb.New(d.UpdateTime),
		Etag:          repository.Etag(d.Revision),
	}
	if d.CustomerSince != nil {
		c.CustomerSince = timestamppb.New(*d.CustomerSince)
	}
	for _, id := range d.Identities {
		c.Identities = append(c.Identities, &rapportv1.Identity{
			Type: rapportv1.IdentityType(id.Type), Value: id.Value, Verified: id.Verified,
		})
	}
	p := d.Preferences
	c.Preferences = &rapportv1.Preferences{
		LanguageCode:       p.LanguageCode,
		TimeZone:           p.TimeZone,
		PreferredChannel:   rapportv1.Channel(p.PreferredChannel),
		CommunicationStyle: rapportv1.CommunicationStyle(p.CommunicationStyle),
		AccessibilityNotes: p.AccessibilityNotes,
	}
	for _, w := range p.ContactWindows {
		cw := &rapportv1.ContactWindow{StartTime: w.StartTime, EndTime: w.EndTime}
		for _, day := range w.Days {
			cw.Days = append(cw.Days, rapportv1.DayOfWeek(day))
		}
		c.Preferences.ContactWindows = append(c.Preferences.ContactWindows, cw)
	}
	for _, n := range p.AccessibilityNeeds {
		c.Preferences.AccessibilityNeeds = append(c.Preferences.AccessibilityNeeds, rapportv1.AccessibilityNeed(n))
	}
	for _, cs := range p.Consents {
		c.Preferences.Consents = append(c.Preferences.Consents, &rapportv1.ChannelConsent{
			Channel: rapportv1.Channel(cs.Channel), Status: rapportv1.ConsentStatus(cs.Status), UpdateTime: timestamppb.New(cs.UpdateTime),
		})
	}
	return c
}

// identityKeys returns the claim keys of the customer's identities.
func (d *customerDoc) identityKeys() []string {
	keys := make([]string, 0, len(d.Identities))
	for _, id := range d.Identities {
		keys = append(keys, repository.IdentityKey(rapportv1.IdentityType(id.Type), id.Value))
	}
	return keys
}
