// Package console is Rapport's web console for agents: customer search,
// the customer's context as an agent sees it, and (where the API has them)
// the insights and the follow-up worklist.
//
// It is an http.Handler that talks to Rapport only through the public gRPC
// API, over a connection to the same server, sending the signed-in user's
// own credential with every call: scopes, tenant isolation, rate limits and
// the audit trail are the API's, not a copy of them. Pages are rendered on
// the server (html/template), charts are SVG drawn on the server
// (console/chart); the console sends no script at all, and a strict
// Content-Security-Policy says so.
package console

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// ContentSecurityPolicy is sent with every response: nothing but the
// console's own stylesheet and images (the charts are inline SVG), no
// script, no frames, forms only to the console itself.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// CookieName is the session cookie: a random ID, nothing else.
const CookieName = "rapport_console"

// Config configures the console.
type Config struct {
	// Conn reaches the Rapport gRPC API, normally an in-process connection
	// to the same server.
	Conn grpc.ClientConnInterface
	// Development is set when the server accepts no credentials
	// (development mode): the console signs nobody in, shows a banner, and
	// every visitor calls as the development principal.
	Development bool
	// SecureCookies marks the cookies Secure on every response; they are
	// Secure anyway on requests that arrived over TLS.
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts; default 8h.
	SessionTTL time.Duration
	// MaxSessions bounds the sessions kept in memory; default 10,000.
	MaxSessions int
	// Logger logs failures that are not the user's; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// navLink is a link of the navigation bar.
type navLink struct {
	Path, Nav string
}

// nav is the navigation bar.
var nav = []navLink{{"/", "Customers"}, {"/follow-ups", "Follow-ups"}, {"/insights", "Insights"}}

// Handler serves the console.
type Handler struct {
	cfg       Config
	mux       *http.ServeMux
	sessions  *sessions
	pages     map[string]*template.Template
	customers rapportv1.CustomerServiceClient
	contexts  rapportv1.ContextServiceClient
	insights  rapportv1.InsightsServiceClient
	followUps rapportv1.FollowUpServiceClient
	log       *slog.Logger
	// crossOrigin refuses cross-origin writes (Fetch Metadata, Origin).
	crossOrigin *http.CrossOriginProtection
}

// signInCookie carries the sign-in form's CSRF token (double submit: the
// form's field must equal it), so that a visitor who is not signed in
// holds no state on the server.
const signInCookie = "rapport_console_signin"

// New returns the console's handler.
func New(cfg Config) *Handler {
	cfg.SessionTTL = cmp.Or(cfg.SessionTTL, 8*time.Hour)
	cfg.MaxSessions = cmp.Or(cfg.MaxSessions, 10000)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{
		cfg:         cfg,
		mux:         http.NewServeMux(),
		sessions:    newSessions(cfg.MaxSessions, cfg.Now),
		customers:   rapportv1.NewCustomerServiceClient(cfg.Conn),
		contexts:    rapportv1.NewContextServiceClient(cfg.Conn),
		insights:    rapportv1.NewInsightsServiceClient(cfg.Conn),
		followUps:   rapportv1.NewFollowUpServiceClient(cfg.Conn),
		log:         cfg.Logger,
		crossOrigin: http.NewCrossOriginProtection(),
	}
	h.pages = parsePages(h.funcs(), "signin", "search", "customer", "insights", "followups", "error")
	static, _ := fs.Sub(staticFiles, "static")
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	h.mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
	h.mux.HandleFunc("GET /signin", h.signInForm)
	h.mux.HandleFunc("POST /signin", h.signIn)
	h.mux.HandleFunc("POST /signout", h.signOut)
	h.mux.HandleFunc("GET /{$}", h.authed(h.search))
	h.mux.HandleFunc("GET /customers/{id}", h.authed(h.customer))
	h.mux.HandleFunc("GET /insights", h.authed(h.insightsPage))
	h.mux.HandleFunc("GET /follow-ups", h.authed(h.followUpsPage))
	h.mux.HandleFunc("POST /follow-ups/complete", h.authed(h.completeFollowUp))
	h.mux.HandleFunc("POST /follow-ups/snooze", h.authed(h.snoozeFollowUp))
	return h
}

// ServeHTTP serves a request: security headers on every response, and
// cross-origin writes refused (Fetch Metadata and Origin, by
// net/http.CrossOriginProtection) before any handler runs.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store") // pages hold personal data
	if r.TLS != nil || h.cfg.SecureCookies {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if err := h.crossOrigin.Check(r); err != nil {
		h.errorPage(w, nil, http.StatusForbidden, "A form from another site was refused.", nil)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// call is what a signed-in page handler gets: its session, and a context
// that carries the session's credential to the API.
type call struct {
	s   *session
	ctx context.Context
}

// authed runs fn for a signed-in session (in development mode, anyone's);
// others go to the sign-in page. A POST must carry the session's CSRF
// token.
func (h *Handler) authed(fn func(w http.ResponseWriter, r *http.Request, c *call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := h.session(r)
		if h.cfg.Development && s == nil {
			var err error
			if s, err = h.sessions.create("", "development principal", h.cfg.SessionTTL); err != nil {
				h.errorPage(w, nil, http.StatusServiceUnavailable, "The console has too many sessions open; try again later.", nil)
				return
			}
			h.setCookie(w, r, s)
		}
		if s == nil {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !s.validCSRF(r.PostFormValue("csrf")) {
			h.errorPage(w, s, http.StatusForbidden, "This form has expired or did not come from this console. Go back, reload the page and try again.", nil)
			return
		}
		ctx := r.Context()
		if s.credential != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+s.credential)
		}
		fn(w, r, &call{s: s, ctx: ctx})
	}
}

// session is the request's live session, or nil.
func (h *Handler) session(r *http.Request) *session {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil
	}
	return h.sessions.get(c.Value)
}

// setCookie sends the session's cookie: HttpOnly, SameSite=Strict, Secure
// under TLS.
func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, s *session) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: s.id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || h.cfg.SecureCookies,
	})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || h.cfg.SecureCookies,
	})
}

// view is what every page template gets.
type view struct {
	Title       string
	Development bool
	SignedIn    bool
	Who         string
	CSRF        string
	Nav         []navLink
	Data        any
}

// render writes a page for a session (nil: signed out).
func (h *Handler) render(w http.ResponseWriter, s *session, status int, page string, data any) {
	v := view{Development: h.cfg.Development, Nav: nav, Data: data}
	if s != nil {
		v.SignedIn, v.Who, v.CSRF = true, s.who, s.csrf
	}
	h.renderView(w, status, page, v)
}

// renderView writes a page with its view.
func (h *Handler) renderView(w http.ResponseWriter, status int, page string, v view) {
	t := h.pages[page]
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		h.log.Error("console: rendering a page", "page", page, "error", err)
		http.Error(w, "Internal error: the page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// errorView is the error page's data.
type errorView struct {
	Status  int
	Heading string
	Message string
	Details []string
}

func (h *Handler) errorPage(w http.ResponseWriter, s *session, status int, message string, details []string) {
	h.render(w, s, status, "error", errorView{Status: status, Heading: http.StatusText(status), Message: message, Details: details})
}

// errSignInAgain is the error of a credential the API no longer accepts.
var errSignInAgain = errors.New("sign in again")
