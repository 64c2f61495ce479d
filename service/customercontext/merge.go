package customercontext

import (
	"maps"
	"math"
	"slices"
	"strings"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
)

// aliasRevision marks the summary of a customer merged into another: its
// profile is only the survivor's name, at a revision no profile update
// reaches, so that writes merging into it never replace the mark.
const aliasRevision = math.MaxInt64

// MakeAlias turns sum into the mark of a customer merged into survivor
// (a customer name): readers of it read the survivor's summary.
func MakeAlias(sum *repository.Summary, survivor string) error {
	b, err := proto.Marshal(&rapportv1.Customer{Name: survivor})
	if err != nil {
		return err
	}
	// Its follow-ups are kept, out of the worklist, for an unmerge to
	// bring back as they were.
	*sum = repository.Summary{Tenant: sum.Tenant, CustomerID: sum.CustomerID, Revision: sum.Revision, Customer: b, CustomerRevision: aliasRevision,
		FollowUps: sum.FollowUps}
	return nil
}

// AliasOf returns the survivor's name if sum marks a merged customer.
func AliasOf(sum *repository.Summary) (string, bool) {
	if sum == nil || sum.CustomerRevision != aliasRevision {
		return "", false
	}
	var c rapportv1.Customer
	if proto.Unmarshal(sum.Customer, &c) != nil {
		return "", false
	}
	return c.GetName(), true
}

// MergedProfile is the profile of a survivor with the customers merged
// into it, each by its merge's rule (in merge order):
//
//   - SURVIVOR_FIRST (the default): the survivor's values win; a merged
//     customer's fill what is empty: preferred name, each preference,
//     consents of channels without one, traits of missing keys;
//   - MERGED_FIRST: the merged customer's non-empty values win, the display
//     name included;
//   - either way tags and identities are the union, the survivor's first.
//
// The survivor's name, etag and times stay; merged_customers lists the
// halves. Nothing is changed in place.
func MergedProfile(survivor *rapportv1.Customer, halves []*rapportv1.Customer, rules []rapportv1.MergeProfileRule) *rapportv1.Customer {
	out := proto.CloneOf(survivor)
	for i, h := range halves {
		mergedFirst := rules[i] == rapportv1.MergeProfileRule_MERGE_PROFILE_RULE_MERGED_FIRST
		pick := func(mine, theirs string) string {
			if theirs != "" && (mine == "" || mergedFirst) {
				return theirs
			}
			return mine
		}
		if mergedFirst && h.GetDisplayName() != "" {
			out.DisplayName = h.GetDisplayName()
		}
		out.PreferredName = pick(out.GetPreferredName(), h.GetPreferredName())
		out.Preferences = mergedPreferences(out.GetPreferences(), h.GetPreferences(), mergedFirst)
		weak, strong := h.GetTraits(), out.GetTraits() // strong wins a key both have
		if mergedFirst {
			weak, strong = strong, weak
		}
		if traits := maps.Clone(weak); len(traits)+len(strong) > 0 {
			if traits == nil {
				traits = map[string]string{}
			}
			maps.Copy(traits, strong)
			out.Traits = traits
		}
		for _, tag := range h.GetTags() {
			if !slices.Contains(out.Tags, tag) {
				out.Tags = append(out.Tags, tag)
			}
		}
		out.Identities = append(out.Identities, h.GetIdentities()...)
		out.MergedCustomers = append(out.MergedCustomers, h.GetName())
	}
	return out
}

func mergedPreferences(mine, theirs *rapportv1.Preferences, mergedFirst bool) *rapportv1.Preferences {
	if theirs == nil {
		return mine
	}
	out := proto.CloneOf(mine)
	if out == nil {
		out = &rapportv1.Preferences{}
	}
	take := func(empty bool) bool { return mergedFirst || empty }
	if theirs.GetLanguageCode() != "" && take(out.GetLanguageCode() == "") {
		out.LanguageCode = theirs.GetLanguageCode()
	}
	if theirs.GetTimeZone() != "" && take(out.GetTimeZone() == "") {
		out.TimeZone = theirs.GetTimeZone()
	}
	if theirs.GetPreferredChannel() != 0 && take(out.GetPreferredChannel() == 0) {
		out.PreferredChannel = theirs.GetPreferredChannel()
	}
	if len(theirs.GetContactWindows()) > 0 && take(len(out.GetContactWindows()) == 0) {
		out.ContactWindows = theirs.GetContactWindows()
	}
	if theirs.GetCommunicationStyle() != 0 && take(out.GetCommunicationStyle() == 0) {
		out.CommunicationStyle = theirs.GetCommunicationStyle()
	}
	if len(theirs.GetAccessibilityNeeds()) > 0 && take(len(out.GetAccessibilityNeeds()) == 0) {
		out.AccessibilityNeeds = theirs.GetAccessibilityNeeds()
	}
	if theirs.GetAccessibilityNotes() != "" && take(out.GetAccessibilityNotes() == "") {
		out.AccessibilityNotes = theirs.GetAccessibilityNotes()
	}
	for _, c := range theirs.GetConsents() {
		i := slices.IndexFunc(out.Consents, func(o *rapportv1.ChannelConsent) bool { return o.GetChannel() == c.GetChannel() })
		switch {
		case i < 0:
			out.Consents = append(out.Consents, c)
		case mergedFirst:
			out.Consents[i] = c
		}
	}
	return out
}

// summaryIssueKey is how a summary keys an issue: by its ID when it is the
// customer's own, by its name when it is a merged half's (whose IDs may be
// the survivor's too).
func summaryIssueKey(sum *repository.Summary, name string) (string, error) {
	id, err := issueID(name)
	if err != nil {
		return "", err
	}
	if sum.CustomerID != "" && !strings.HasPrefix(name, repository.CustomerName(sum.CustomerID)+"/") {
		return name, nil
	}
	return id, nil
}
