package customercontext

import (
	"slices"
	"strings"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
	"google.golang.org/protobuf/proto"
)

// openFollowUps are the summary's open follow-ups, earliest due first
// (then by name). One that does not decode is left out: the follow-up
// index still lists it.
func openFollowUps(sum *repository.Summary) []*rapportv1.FollowUp {
	var out []*rapportv1.FollowUp
	for _, f := range sum.FollowUps {
		fu := &rapportv1.FollowUp{}
		if proto.Unmarshal(f.FollowUp, fu) != nil || fu.GetState() != rapportv1.FollowUpState_FOLLOW_UP_STATE_OPEN {
			continue
		}
		out = append(out, fu)
	}
	slices.SortFunc(out, func(a, b *rapportv1.FollowUp) int {
		if c := a.GetDueTime().AsTime().Compare(b.GetDueTime().AsTime()); c != 0 {
			return c
		}
		return strings.Compare(a.GetName(), b.GetName())
	})
	return out
}
