package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// session is one browser's state, kept in the server's memory: the cookie
// holds only its random ID. The credential never reaches the browser after
// sign-in.
type session struct {
	id string
	// credential is sent as "authorization: Bearer <credential>" on every
	// call made for this session; empty in development mode.
	credential string
	// csrf is the token every form of this session carries.
	csrf string
	// who describes the credential for the page header, e.g.
	// "API key apiKeys/5srl…".
	who     string
	expires time.Time
}

// validCSRF reports whether token is this session's CSRF token.
func (s *session) validCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) == 1
}

// errTooManySessions is returned when the store is full of live sessions.
var errTooManySessions = errors.New("too many console sessions")

// sessions is the server-side session store of one process. Sessions do
// not survive a restart (agents sign in again) and are not shared between
// replicas (route a browser to one replica, or sign in on each).
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	max int
	now func() time.Time
}

func newSessions(max int, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, max: max, now: now}
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create stores a new session that lives for ttl.
func (st *sessions) create(credential, who string, ttl time.Duration) (*session, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	if len(st.m) >= st.max {
		for id, s := range st.m {
			if !now.Before(s.expires) {
				delete(st.m, id)
			}
		}
		if len(st.m) >= st.max {
			return nil, errTooManySessions
		}
	}
	s := &session{id: randomToken(), credential: credential, csrf: randomToken(), who: who, expires: now.Add(ttl)}
	st.m[s.id] = s
	return s, nil
}

// get returns the live session with this ID, or nil.
func (st *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.m[id]
	if s == nil {
		return nil
	}
	if !st.now().Before(s.expires) {
		delete(st.m, id)
		return nil
	}
	return s
}

// delete ends a session.
func (st *sessions) delete(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.m, id)
}

// len is the number of stored sessions, live or not yet pruned.
func (st *sessions) len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.m)
}
