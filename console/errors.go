package console

import (
	"net/http"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fail writes the page for the error of a gRPC call: the API's own
// message for what the user can act on (a missing scope, a bad search, a
// limit), a plain sentence for the rest (logged, never shown).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	st := status.Convert(err)
	var details []string
	var reason, scope string
	var retry time.Duration
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				details = append(details, v.GetField()+": "+v.GetDescription())
			}
		case *errdetails.ErrorInfo:
			reason, scope = d.GetReason(), d.GetMetadata()["scope"]
		case *errdetails.RetryInfo:
			retry = d.GetRetryDelay().AsDuration()
		}
	}
	switch st.Code() {
	case codes.Unauthenticated:
		// The credential was revoked or expired: the session is over.
		if s != nil && !h.cfg.Development {
			h.sessions.delete(s.id)
			h.clearCookie(w, r)
		}
		h.errorPage(w, nil, http.StatusUnauthorized, "Your API key or token is no longer accepted: sign in again.", nil)
	case codes.PermissionDenied:
		msg := "Your credential may not do this."
		if reason == "MISSING_SCOPE" && scope != "" {
			msg = "Your credential lacks the scope this page needs: " + scope + ". Ask for a key with it (rapport keys create --scopes " + scope + ")."
		}
		h.errorPage(w, s, http.StatusForbidden, msg, nil)
	case codes.NotFound:
		h.errorPage(w, s, http.StatusNotFound, "Not found: "+st.Message(), nil)
	case codes.InvalidArgument:
		h.errorPage(w, s, http.StatusBadRequest, st.Message(), details)
	case codes.FailedPrecondition, codes.Aborted, codes.AlreadyExists:
		h.errorPage(w, s, http.StatusConflict, st.Message(), details)
	case codes.ResourceExhausted:
		msg := "Too many requests: " + st.Message()
		if retry > 0 {
			secs := int((retry + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			msg += " Try again in " + strconv.Itoa(secs) + " s."
		}
		h.errorPage(w, s, http.StatusTooManyRequests, msg, nil)
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		h.errorPage(w, s, http.StatusServiceUnavailable, "Rapport did not answer in time; try again.", nil)
	default:
		h.log.Error("console: API call failed", "path", r.URL.Path, "code", st.Code().String(), "error", err)
		h.errorPage(w, s, http.StatusInternalServerError, "Something went wrong on the server; it has been logged.", nil)
	}
}
