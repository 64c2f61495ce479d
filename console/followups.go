package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// followUpsView is the worklist page's data.
type followUpsView struct {
	FollowUps []followUpRow
	NextPage  string
	Completed string
	Snoozed   string
	Channels  []rapportv1.Channel
	Snoozes   []snoozeChoice
	// Shown is when the page was made, in Unix seconds: a Snooze form
	// counts its time from it, so that sending it twice is the same
	// request.
	Shown int64
}

// followUpRow is one follow-up, the customer's display name (empty when
// it has none), and the request IDs its Complete and Snooze forms send
// (so a form sent twice acts once).
type followUpRow struct {
	*rapportv1.FollowUp
	DisplayName     string
	RequestID       string
	SnoozeRequestID string
}

// snoozeChoice is one "not before" the Snooze form offers.
type snoozeChoice struct {
	Value string
	Label string
	For   time.Duration
}

// snoozeChoices are the snoozes the worklist offers: the due time then
// moves to the first moment of the customer's contact windows after it.
var snoozeChoices = []snoozeChoice{
	{"4h", "4 hours", 4 * time.Hour},
	{"1d", "1 day", 24 * time.Hour},
	{"3d", "3 days", 3 * 24 * time.Hour},
	{"7d", "1 week", 7 * 24 * time.Hour},
}

// outboundChannels are the channels a follow-up can be made on.
var outboundChannels = []rapportv1.Channel{
	rapportv1.Channel_CHANNEL_EMAIL, rapportv1.Channel_CHANNEL_VOICE, rapportv1.Channel_CHANNEL_SMS,
	rapportv1.Channel_CHANNEL_CHAT, rapportv1.Channel_CHANNEL_SOCIAL, rapportv1.Channel_CHANNEL_WEB, rapportv1.Channel_CHANNEL_IN_PERSON,
}

// followUpsPage lists the tenant's open follow-ups, earliest due first
// (ListFollowUps), each with a Complete button.
func (h *Handler) followUpsPage(w http.ResponseWriter, r *http.Request, c *call) {
	resp, err := h.followUps.ListFollowUps(c.ctx, &rapportv1.ListFollowUpsRequest{Parent: "customers/-", PageSize: 50, PageToken: r.URL.Query().Get("page")})
	if err != nil {
		h.fail(w, r, c.s, err)
		return
	}
	v := followUpsView{NextPage: resp.GetNextPageToken(), Completed: r.URL.Query().Get("completed"), Snoozed: r.URL.Query().Get("snoozed"),
		Channels: outboundChannels, Snoozes: snoozeChoices, Shown: h.cfg.Now().Unix()}
	names := map[string]string{} // display name by customer: one read each
	for _, f := range resp.GetFollowUps() {
		name, known := names[f.GetCustomer()]
		if !known {
			if name, err = h.displayName(c, f.GetCustomer()); err != nil {
				h.fail(w, r, c.s, err)
				return
			}
			names[f.GetCustomer()] = name
		}
		v.FollowUps = append(v.FollowUps, followUpRow{FollowUp: f, DisplayName: name, RequestID: uuid.NewString(), SnoozeRequestID: uuid.NewString()})
	}
	h.render(w, c.s, http.StatusOK, "followups", v)
}

// displayName is the display name of the customer (GetCustomer: audited
// as any read of a profile). A customer erased since the list was read
// has none.
func (h *Handler) displayName(c *call, customer string) (string, error) {
	got, err := h.customers.GetCustomer(c.ctx, &rapportv1.GetCustomerRequest{Name: customer})
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	return got.GetCustomer().GetDisplayName(), err
}

// followUpName is the follow-up named by the form, or "" when it names
// none.
func followUpName(r *http.Request) string {
	name := r.PostFormValue("name")
	if !strings.HasPrefix(name, "customers/") || !strings.Contains(name, "/followUps/") || len(name) > 300 {
		return ""
	}
	return name
}

// completeFollowUp completes one follow-up (CompleteFollowUp), on the
// channel the agent picked, and goes back to the worklist.
func (h *Handler) completeFollowUp(w http.ResponseWriter, r *http.Request, c *call) {
	name := followUpName(r)
	if name == "" {
		h.errorPage(w, c.s, http.StatusBadRequest, "name: not a follow-up.", nil)
		return
	}
	req := &rapportv1.CompleteFollowUpRequest{Name: name, RequestId: r.PostFormValue("request_id")}
	if ch := r.PostFormValue("channel"); ch != "" {
		n, ok := rapportv1.Channel_value[ch]
		if !ok || n == 0 {
			h.errorPage(w, c.s, http.StatusBadRequest, "channel: not a channel.", nil)
			return
		}
		req.Channel = rapportv1.Channel(n)
	}
	if _, err := h.followUps.CompleteFollowUp(c.ctx, req); err != nil {
		h.fail(w, r, c.s, err)
		return
	}
	http.Redirect(w, r, "/follow-ups?completed="+name, http.StatusSeeOther)
}

// snoozeFollowUp puts one follow-up off for the chosen time
// (SnoozeFollowUp, not before the page's time plus that time) and goes
// back to the worklist, where it moves to its new due time.
func (h *Handler) snoozeFollowUp(w http.ResponseWriter, r *http.Request, c *call) {
	name := followUpName(r)
	if name == "" {
		h.errorPage(w, c.s, http.StatusBadRequest, "name: not a follow-up.", nil)
		return
	}
	i := slices.IndexFunc(snoozeChoices, func(s snoozeChoice) bool { return s.Value == r.PostFormValue("for") })
	if i < 0 {
		h.errorPage(w, c.s, http.StatusBadRequest, "for: not one of the snoozes offered.", nil)
		return
	}
	shown, err := strconv.ParseInt(r.PostFormValue("shown"), 10, 64)
	if err != nil {
		h.errorPage(w, c.s, http.StatusBadRequest, "shown: not a time.", nil)
		return
	}
	snooze := time.Unix(shown, 0).Add(snoozeChoices[i].For)
	if !snooze.After(h.cfg.Now()) {
		h.errorPage(w, c.s, http.StatusBadRequest, "The worklist was shown more than "+snoozeChoices[i].Label+" ago: reload it, then snooze again.", nil)
		return
	}
	req := &rapportv1.SnoozeFollowUpRequest{Name: name, RequestId: r.PostFormValue("snooze_request_id"), SnoozeTime: timestamppb.New(snooze)}
	if _, err := h.followUps.SnoozeFollowUp(c.ctx, req); err != nil {
		h.fail(w, r, c.s, err)
		return
	}
	http.Redirect(w, r, "/follow-ups?snoozed="+name, http.StatusSeeOther)
}
