package customercontext

import (
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/repository"
)

// customerSince is when the customer's relationship began: the earliest of
// the "customer since" time another system gave (a migration), the
// customer's creation in Rapport and their first contact.
func customerSince(c *rapportv1.Customer, sum *repository.Summary) time.Time {
	since := c.GetCreateTime().AsTime()
	if !sum.FirstContact.IsZero() && sum.FirstContact.Before(since) {
		since = sum.FirstContact
	}
	if cs := c.GetCustomerSince(); cs != nil && cs.AsTime().Before(since) {
		since = cs.AsTime()
	}
	return since
}
