package console

import (
	"crypto/subtle"
	"net/http"
	"regexp"
	"strings"

	"github.com/rapporthq/rapport/console/chart"
	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// maxCredential bounds what the sign-in form accepts.
const maxCredential = 8 << 10

// signInView is the sign-in page's data.
type signInView struct {
	Error string
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Development || h.session(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.renderSignIn(w, r, http.StatusOK, "")
}

// renderSignIn writes the sign-in form with its CSRF token, a new one
// unless the browser has one.
func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, msg string) {
	token := ""
	if c, err := r.Cookie(signInCookie); err == nil && len(c.Value) == len(randomToken()) {
		token = c.Value
	} else {
		token = randomToken()
		http.SetCookie(w, &http.Cookie{
			Name: signInCookie, Value: token, Path: "/signin", MaxAge: 3600,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || h.cfg.SecureCookies,
		})
	}
	h.renderView(w, status, "signin", view{CSRF: token, Data: signInView{Error: msg}})
}

// signIn checks the credential with one API call made with it, and on
// success starts a session (with a new random ID).
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Development {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCredential+1024)
	form := r.PostFormValue("csrf")
	c, err := r.Cookie(signInCookie)
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(form), []byte(c.Value)) != 1 {
		h.errorPage(w, nil, http.StatusForbidden, "The sign-in form has expired or did not come from this console. Reload the sign-in page and try again.", nil)
		return
	}
	cred := strings.TrimSpace(r.PostFormValue("credential"))
	if c, ok := strings.CutPrefix(cred, "Bearer "); ok {
		cred = strings.TrimSpace(c)
	}
	if cred == "" || len(cred) > maxCredential || strings.ContainsAny(cred, " \t\r\n") {
		h.renderSignIn(w, r, http.StatusBadRequest, "Paste an API key (rk_…) or a bearer token.")
		return
	}
	// Any call checks the credential before its scope; a listing of one
	// customer is the smallest read. A credential without context.read is
	// still a valid sign-in: its pages say which scope they lack.
	ctx := metadata.AppendToOutgoingContext(r.Context(), "authorization", "Bearer "+cred)
	_, err = h.customers.ListCustomers(ctx, &rapportv1.ListCustomersRequest{PageSize: 1})
	switch status.Code(err) {
	case codes.OK, codes.PermissionDenied:
	case codes.Unauthenticated:
		h.renderSignIn(w, r, http.StatusUnauthorized, "This API key or token was not accepted.")
		return
	default:
		h.fail(w, r, nil, err)
		return
	}
	s, err := h.sessions.create(cred, describeCredential(cred), h.cfg.SessionTTL)
	if err != nil {
		h.errorPage(w, nil, http.StatusServiceUnavailable, "The console has too many sessions open; try again later.", nil)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: "", Path: "/signin", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || h.cfg.SecureCookies})
	h.setCookie(w, r, s)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// describeCredential names a credential without its secret.
func describeCredential(cred string) string {
	if rest, ok := strings.CutPrefix(cred, "rk_"); ok {
		if id, _, ok := strings.Cut(rest, "_"); ok {
			return "API key apiKeys/" + id
		}
	}
	return "bearer token"
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	s := h.session(r)
	if s == nil || !s.validCSRF(r.PostFormValue("csrf")) {
		h.errorPage(w, s, http.StatusForbidden, "This form has expired or did not come from this console.", nil)
		return
	}
	h.sessions.delete(s.id)
	h.clearCookie(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// searchView is the search page's data.
type searchView struct {
	Query     string
	Searched  bool
	ByID      string // the identity looked up, when the query was one
	Customers []*rapportv1.Customer
	// Truncated: the name search stopped before the last customer.
	Truncated bool
	Scanned   int
	NextPage  string
}

// identityQuery matches what LookupCustomer takes.
var identityQuery = regexp.MustCompile(`^(?i)(email|phone|chat|social|external)\s*:`)

// phoneQuery is a query that can only be a phone number.
var phoneQuery = regexp.MustCompile(`^\+[0-9][0-9 ()./-]{5,}$`)

// Name search reads the customers page by page, at most this many.
const (
	namePageSize = 100
	nameMaxPages = 10
)

// identityOf returns the identity a query names ("email:…", an address
// with @, a phone number with +), or "" for a name.
func identityOf(q string) string {
	switch {
	case identityQuery.MatchString(q):
		return q
	case strings.Contains(q, "@") && !strings.ContainsAny(q, " \t"):
		return "email:" + q
	case phoneQuery.MatchString(q):
		return "phone:" + q
	}
	return ""
}

// search finds customers by any identity (LookupCustomer) or by name
// (ListCustomers, matched here: the API has no name filter); with no query
// it lists them.
func (h *Handler) search(w http.ResponseWriter, r *http.Request, c *call) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		h.errorPage(w, c.s, http.StatusBadRequest, "The search is too long (at most 200 characters).", nil)
		return
	}
	v := searchView{Query: q, Searched: q != ""}
	if id := identityOf(q); id != "" {
		v.ByID = id
		resp, err := h.customers.LookupCustomer(c.ctx, &rapportv1.LookupCustomerRequest{Identity: id})
		switch status.Code(err) {
		case codes.OK:
			v.Customers = []*rapportv1.Customer{resp.GetCustomer()}
		case codes.NotFound:
		default:
			h.fail(w, r, c.s, err)
			return
		}
		h.render(w, c.s, http.StatusOK, "search", v)
		return
	}
	if q == "" {
		resp, err := h.customers.ListCustomers(c.ctx, &rapportv1.ListCustomersRequest{PageSize: 50, PageToken: r.URL.Query().Get("page")})
		if err != nil {
			h.fail(w, r, c.s, err)
			return
		}
		v.Customers, v.NextPage = resp.GetCustomers(), resp.GetNextPageToken()
		h.render(w, c.s, http.StatusOK, "search", v)
		return
	}
	needle := strings.ToLower(q)
	token := ""
	for range nameMaxPages {
		resp, err := h.customers.ListCustomers(c.ctx, &rapportv1.ListCustomersRequest{PageSize: namePageSize, PageToken: token})
		if err != nil {
			h.fail(w, r, c.s, err)
			return
		}
		for _, cu := range resp.GetCustomers() {
			v.Scanned++
			if matchesName(cu, needle) {
				v.Customers = append(v.Customers, cu)
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	v.Truncated = token != ""
	h.render(w, c.s, http.StatusOK, "search", v)
}

// matchesName reports whether a customer's names or ID contain needle
// (lower case).
func matchesName(c *rapportv1.Customer, needle string) bool {
	for _, s := range []string{c.GetDisplayName(), c.GetPreferredName(), c.GetName()} {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	return false
}

// customerView is the customer page's data.
type customerView struct {
	Ctx *rapportv1.CustomerContext
	// OnPage marks the interactions and issues shown on the page, whose
	// evidence links go to them.
	OnPage map[string]bool
	// ByChannel is the contacts of the last 90 days by channel.
	ByChannel chart.Chart
	Contacts  []*rapportv1.ContactCount
}

// customer shows the customer's context as GetCustomerContext returns it.
func (h *Handler) customer(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	resp, err := h.contexts.GetCustomerContext(c.ctx, &rapportv1.GetCustomerContextRequest{Customer: "customers/" + id})
	if err != nil {
		h.fail(w, r, c.s, err)
		return
	}
	cx := resp.GetContext()
	v := customerView{Ctx: cx, OnPage: map[string]bool{}, Contacts: cx.GetContactCounts()}
	for _, in := range cx.GetRecentInteractions() {
		v.OnPage[in.GetName()] = true
	}
	for _, is := range cx.GetOpenIssues() {
		v.OnPage[is.GetName()] = true
	}
	v.ByChannel = chart.Chart{ID: "contacts-by-channel", Title: "Contacts in the last 90 days, by channel", Unit: "contacts"}
	for _, cc := range cx.GetContactCounts() {
		if cc.GetDays() != 90 {
			continue
		}
		for _, bc := range cc.GetByChannel() {
			v.ByChannel.Points = append(v.ByChannel.Points, chart.Point{Label: enumLabel(bc.GetChannel()), Value: float64(bc.GetCount())})
		}
	}
	h.render(w, c.s, http.StatusOK, "customer", v)
}
