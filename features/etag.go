package features

import (
	"net/http"
	"strings"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// etagMatches reports whether a list of entity tags (an If-Match or
// If-None-Match value) names etag. "*" names any existing version. If-Match
// compares strongly (RFC 9110 13.1.1): a weak tag never matches; If-None-
// Match weakly, ignoring "W/".
func etagMatches(list, etag string, weak bool) bool {
	for _, t := range splitETags(list) {
		if weak {
			t = strings.TrimPrefix(t, "W/")
		}
		if t == "*" || (etag != "" && t == etag) {
			return true
		}
	}
	return false
}

// splitETags cuts a list of entity tags at the commas between them; a
// comma inside a quoted tag does not cut it.
func splitETags(list string) []string {
	var tags []string
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return tags
		}
		end := len(list)
		start := 0
		if strings.HasPrefix(list, "W/") {
			start = 2
		}
		if start < len(list) && list[start] == '"' {
			if i := strings.IndexByte(list[start+1:], '"'); i >= 0 {
				end = start + 1 + i + 1
			}
		} else if i := strings.IndexByte(list, ','); i >= 0 {
			end = i
		}
		tags = append(tags, strings.TrimSpace(list[:end]))
		list = list[end:]
	}
}

// preconditions are a write's conditional headers.
type preconditions struct {
	ifMatch, ifNoneMatch string
	hasIfMatch           bool
	hasIfNoneMatch       bool
}

func readPreconditions(r *http.Request) preconditions {
	var p preconditions
	p.ifMatch, p.hasIfMatch = headerValues(r, "If-Match")
	p.ifNoneMatch, p.hasIfNoneMatch = headerValues(r, "If-None-Match")
	return p
}

func headerValues(r *http.Request, name string) (string, bool) {
	vs, ok := r.Header[http.CanonicalHeaderKey(name)]
	return strings.Join(vs, ","), ok
}

// any reports whether the request is conditional at all.
func (p preconditions) any() bool { return p.hasIfMatch || p.hasIfNoneMatch }

// check evaluates the conditions against the feature's current version
// (exists false: there is none): a failed one is 412, with the current
// tag so the client can see it changed.
func (p preconditions) check(exists bool, current string) error {
	if p.hasIfMatch && !(exists && etagMatches(p.ifMatch, current, false)) {
		if !exists {
			return httpx.Errorf(http.StatusPreconditionFailed, "If-Match: the feature does not exist")
		}
		return httpx.Errorf(http.StatusPreconditionFailed,
			"If-Match: the feature has changed since that version was read; its version now is %s. Read it again and reapply the change", current)
	}
	if p.hasIfNoneMatch && exists && etagMatches(p.ifNoneMatch, current, true) {
		return httpx.Errorf(http.StatusPreconditionFailed, "If-None-Match: the feature exists (version %s)", current)
	}
	return nil
}
