package console

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
)

// followUpsView is the worklist page's data.
type followUpsView struct {
	FollowUps []followUpRow
	NextPage  string
	Completed string
	Channels  []rapportv1.Channel
}

// followUpRow is one follow-up with the request ID its Complete form
// sends (so a form sent twice completes it once).
type followUpRow struct {
	*rapportv1.FollowUp
	RequestID string
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
	v := followUpsView{NextPage: resp.GetNextPageToken(), Completed: r.URL.Query().Get("completed"), Channels: outboundChannels}
	for _, f := range resp.GetFollowUps() {
		v.FollowUps = append(v.FollowUps, followUpRow{FollowUp: f, RequestID: uuid.NewString()})
	}
	h.render(w, c.s, http.StatusOK, "followups", v)
}

// completeFollowUp completes one follow-up (CompleteFollowUp), on the
// channel the agent picked, and goes back to the worklist.
func (h *Handler) completeFollowUp(w http.ResponseWriter, r *http.Request, c *call) {
	name := r.PostFormValue("name")
	if !strings.HasPrefix(name, "customers/") || len(name) > 300 {
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
