package followups

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the customer's time zone, whatever the host has

	rapportv1 "github.com/rapporthq/rapport/gen/rapport/v1"
	"github.com/rapporthq/rapport/service/customercontext/statements"
)

// NoConsentedChannel is Plan's blocked reason when no outbound channel
// may be used.
const NoConsentedChannel = "NO_CONSENTED_CHANNEL"

// outbound are the channels a follow-up can be made on, in the order used
// when nothing else decides.
var outbound = []rapportv1.Channel{rapportv1.Channel_CHANNEL_EMAIL, rapportv1.Channel_CHANNEL_SMS, rapportv1.Channel_CHANNEL_VOICE}

// channelNames are the channels as statements name them.
var channelNames = map[string]rapportv1.Channel{
	"email": rapportv1.Channel_CHANNEL_EMAIL, "sms": rapportv1.Channel_CHANNEL_SMS, "voice": rapportv1.Channel_CHANNEL_VOICE,
}

// When is a follow-up's plan: when and on which channel, or why it cannot
// be made.
type When struct {
	Due     time.Time
	Channel rapportv1.Channel
	Blocked string
}

// Plan says when and on which channel to make a follow-up owed from
// notBefore: the channel (Channel's rules, see pickChannel) and the first
// moment at or after notBefore inside the customer's contact times in
// their time zone (see nextWindow). stated are the preferences the
// customer stated in text since their profile last changed (the
// context's stated_preferences).
func Plan(p *rapportv1.Preferences, stated []*rapportv1.Statement, evidence rapportv1.Channel, notBefore time.Time) When {
	w := When{Channel: pickChannel(p, stated, evidence)}
	if w.Channel == rapportv1.Channel_CHANNEL_UNSPECIFIED {
		w.Blocked = NoConsentedChannel
	}
	w.Due = nextWindow(p, stated, notBefore)
	return w
}

// consent is the customer's consent on a channel (the last entry for it).
func consent(p *rapportv1.Preferences, c rapportv1.Channel) rapportv1.ConsentStatus {
	st := rapportv1.ConsentStatus_CONSENT_STATUS_UNSPECIFIED
	for _, cs := range p.GetConsents() {
		if cs.GetChannel() == c {
			st = cs.GetStatus()
		}
	}
	return st
}

// pickChannel: among the outbound channels with consent GRANTED (none on
// record is no consent) that the customer did not say never to use: the
// one they said to use only (if it qualifies: otherwise none), then their
// preferred channel, then the evidence's channel, then email, SMS, voice.
func pickChannel(p *rapportv1.Preferences, stated []*rapportv1.Statement, evidence rapportv1.Channel) rapportv1.Channel {
	never := map[rapportv1.Channel]bool{}
	only := rapportv1.Channel_CHANNEL_UNSPECIFIED
	for _, st := range stated {
		c, ok := channelNames[st.GetValue()]
		switch {
		case !ok:
		case st.GetKey() == statements.ChannelNever:
			never[c] = true
		case st.GetKey() == statements.ChannelOnly:
			only = c
		}
	}
	usable := func(c rapportv1.Channel) bool {
		return slices.Contains(outbound, c) && !never[c] && consent(p, c) == rapportv1.ConsentStatus_CONSENT_STATUS_GRANTED
	}
	if only != rapportv1.Channel_CHANNEL_UNSPECIFIED {
		if usable(only) {
			return only
		}
		return rapportv1.Channel_CHANNEL_UNSPECIFIED
	}
	for _, c := range append([]rapportv1.Channel{p.GetPreferredChannel(), evidence}, outbound...) {
		if usable(c) {
			return c
		}
	}
	return rapportv1.Channel_CHANNEL_UNSPECIFIED
}

// window is a daily span of local time, in minutes from midnight, on the
// weekdays it applies to (all when days is nil).
type window struct {
	days       []time.Weekday
	start, end int
}

// statedTimes are the spans a stated contact time stands for.
var statedTimes = map[string][2]int{"morning": {9 * 60, 12 * 60}, "afternoon": {12 * 60, 17 * 60}, "evening": {17 * 60, 21 * 60}}

// windows are the customer's contact times: a contact time they stated in
// text (newer than their profile, so it wins), else their profile's
// contact windows; nil when neither says.
func windows(p *rapportv1.Preferences, stated []*rapportv1.Statement) []window {
	for _, st := range stated {
		if st.GetKey() != statements.ContactTime {
			continue
		}
		if span, ok := statedTimes[st.GetValue()]; ok {
			return []window{{start: span[0], end: span[1]}}
		}
		// "18:00-", "-12:00", "09:00-17:00".
		from, to, ok := strings.Cut(st.GetValue(), "-")
		if !ok {
			continue
		}
		w := window{start: 0, end: 24 * 60}
		var err error
		if from != "" {
			if w.start, err = clock(from); err != nil {
				continue
			}
		}
		if to != "" {
			if w.end, err = clock(to); err != nil {
				continue
			}
		}
		if w.start < w.end {
			return []window{w}
		}
	}
	var out []window
	for _, cw := range p.GetContactWindows() {
		start, err1 := clock(cw.GetStartTime())
		end, err2 := clock(cw.GetEndTime())
		if err1 != nil || err2 != nil || start >= end {
			continue
		}
		w := window{start: start, end: end}
		for _, d := range cw.GetDays() {
			w.days = append(w.days, time.Weekday(int(d)%7)) // DAY_OF_WEEK_SUNDAY is 7
		}
		out = append(out, w)
	}
	return out
}

// clock reads "HH:MM" (24:00 included) as minutes from midnight.
func clock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("not a time of day: %q", s)
	}
	return hh*60 + mm, nil
}

// nextWindow is the first moment at or after t inside the customer's
// contact times, in their time zone (UTC when it is not set or not
// known); t itself when they have none.
func nextWindow(p *rapportv1.Preferences, stated []*rapportv1.Statement, t time.Time) time.Time {
	ws := windows(p, stated)
	if len(ws) == 0 {
		return t
	}
	loc, err := time.LoadLocation(p.GetTimeZone())
	if err != nil || p.GetTimeZone() == "" {
		loc = time.UTC
	}
	local := t.In(loc)
	var best time.Time
	// A week and a day covers every weekly window.
	for d := 0; d <= 8 && best.IsZero(); d++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, 0, 0, 0, 0, loc)
		for _, w := range ws {
			if w.days != nil && !slices.Contains(w.days, day.Weekday()) {
				continue
			}
			start := time.Date(day.Year(), day.Month(), day.Day(), w.start/60, w.start%60, 0, 0, loc)
			end := time.Date(day.Year(), day.Month(), day.Day(), w.end/60, w.end%60, 0, 0, loc)
			if !t.Before(end) {
				continue
			}
			at := start
			if t.After(start) {
				at = t
			}
			if best.IsZero() || at.Before(best) {
				best = at
			}
		}
	}
	if best.IsZero() {
		return t
	}
	return best.UTC()
}
