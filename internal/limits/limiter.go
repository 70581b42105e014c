package limits

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// The rate classes besides the role names.
const (
	ClassAnonymous     = "anonymous"
	ClassAuthenticated = "authenticated"
)

// Limiter applies the rate limits and the heavy-request bounds to HTTP
// requests.
type Limiter struct {
	// OnReject, when set before serving, is told the class of every
	// refused request: a rate class (anonymous, authenticated, or a role
	// name with a rate of its own) for a 429, a heavy class (downloads,
	// imports, low_zoom_tiles) for a 503. Metrics count them.
	OnReject func(class string)

	rateLimit      bool
	exemptLoopback bool
	anonymous      Rate
	authenticated  Rate
	roles          []roleRate // strongest role first
	buckets        *Buckets
	clients        Clients
	heavy          *Heavy
	lowZoomMax     int
}

type roleRate struct {
	role auth.Role
	rate Rate
}

// New builds a limiter from c, defaults applied and validated, on the
// clock (time.Now when nil).
func New(c Config, clock func() time.Time) (*Limiter, error) {
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	trusted, _ := parsePrefixes(c.TrustedProxies) // checked by Validate
	l := &Limiter{
		rateLimit:      *c.RateLimit,
		exemptLoopback: *c.ExemptLoopback,
		anonymous:      Rate{c.AnonymousRPS, c.AnonymousBurst},
		authenticated:  Rate{c.AuthenticatedRPS, c.AuthenticatedBurst},
		buckets:        NewBuckets(c.MaxTracked, clock),
		clients:        Clients{Trusted: trusted},
		heavy: NewHeavy(map[string]int{
			Downloads:    c.HeavyConcurrency.Downloads,
			Imports:      c.HeavyConcurrency.Imports,
			LowZoomTiles: c.HeavyConcurrency.LowZoomTiles,
		}, c.HeavyQueueTimeout),
		lowZoomMax: *c.LowZoomMax,
	}
	for _, role := range []auth.Role{auth.Admin, auth.Editor, auth.Analyst, auth.Viewer} {
		if r, ok := c.Roles[role]; ok {
			l.roles = append(l.roles, roleRate{role, Rate{r.RPS, r.Burst}})
		}
	}
	return l, nil
}

// LowZoomMax is the highest zoom whose tiles are low-zoom tiles; -1: none.
func (l *Limiter) LowZoomMax() int { return l.lowZoomMax }

// Heavy is the limiter's bound on heavy requests, for work that finds out
// it is heavy only once under way (a tile that misses the tile cache).
func (l *Limiter) Heavy() *Heavy { return l.heavy }

// Admit is the heavy bound for work that finds out it is heavy only once
// under way (a low-zoom tile that missed the tile cache): it waits for
// room in class as Middleware does, and refuses the same way, with a 503
// problem (an *httpx.Error with RetryAfter) counted by OnReject. A tile
// the cache holds never gets here, so cold renders cannot make warm tiles
// wait.
func (l *Limiter) Admit(ctx context.Context, class string) (release func(), err error) {
	release, err = l.heavy.Acquire(ctx, class)
	if err == nil || ctx.Err() != nil {
		return release, err
	}
	l.reject(class)
	return nil, &httpx.Error{Status: http.StatusServiceUnavailable, Err: err, RetryAfter: l.heavy.RetryAfter(),
		Msg: "the server is busy with other requests of this kind (" + class + "); try again shortly"}
}

// Middleware limits requests on their way to next; it runs after
// authentication, reading the principal from the context. classify names
// a request's heavy class ("" for an ordinary request).
func (l *Limiter) Middleware(classify func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.rateLimit {
			if class, wait, ok := l.take(r); !ok {
				l.tooMany(w, r, class, wait)
				return
			}
		}
		class := classify(r)
		if class == "" {
			next.ServeHTTP(w, r)
			return
		}
		release, err := l.heavy.Acquire(r.Context(), class)
		if err != nil {
			if r.Context().Err() != nil {
				return // the caller went away while waiting: no one to answer
			}
			l.reject(class)
			w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(l.heavy.RetryAfter())))
			// Overload is expected, not a fault of the server: the request
			// log records it; WriteError would log it again as a failure.
			httpx.WriteProblem(w, r, http.StatusServiceUnavailable,
				"the server is busy with other requests of this kind ("+class+"); try again shortly")
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

// LimitRefused is for a request whose credentials were refused, before
// its 401 is written: it is charged to its address as an anonymous
// request, so a flood of bogus keys or tokens is limited (and counted)
// like any anonymous flood instead of passing every limit. It reports
// whether it answered 429 instead.
func (l *Limiter) LimitRefused(w http.ResponseWriter, r *http.Request) bool {
	if !l.rateLimit {
		return false
	}
	r = r.WithContext(auth.WithPrincipal(r.Context(), auth.Principal{})) // the anonymous
	class, wait, ok := l.take(r)
	if !ok {
		l.tooMany(w, r, class, wait)
	}
	return !ok
}

// tooMany answers 429 with the wait for the next token as Retry-After.
func (l *Limiter) tooMany(w http.ResponseWriter, r *http.Request, class string, wait time.Duration) {
	l.reject(class)
	secs := retrySeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	httpx.WriteError(w, r, &httpx.Error{
		Status: http.StatusTooManyRequests,
		Msg:    fmt.Sprintf("too many requests from this client; try again in %d s", secs),
	})
}

// take takes a token from the bucket of r's caller, naming its rate class.
func (l *Limiter) take(r *http.Request) (class string, wait time.Duration, ok bool) {
	p := auth.PrincipalFrom(r.Context())
	addr := l.clients.Addr(r)
	if l.exemptLoopback && local(addr) {
		return "", 0, true
	}
	if !p.Authenticated() {
		wait, ok = l.buckets.Take(addrKey(addr), l.anonymous)
		return ClassAnonymous, wait, ok
	}
	class, rate := ClassAuthenticated, l.authenticated
	for _, rr := range l.roles {
		if p.Has(rr.role) {
			class, rate = string(rr.role), rr.rate
			break
		}
	}
	// Keyed by principal, not class: a caller whose roles change keeps its
	// bucket (and its debt).
	wait, ok = l.buckets.Take("p:"+p.Actor(), rate)
	return class, wait, ok
}

// local reports whether a is this machine: loopback, or no IP address at
// all (a Unix socket, an in-process caller).
func local(a netip.Addr) bool { return !a.IsValid() || a.IsLoopback() }

func (l *Limiter) reject(class string) {
	if l.OnReject != nil {
		l.OnReject(class)
	}
}

// retrySeconds is a Retry-After value: whole seconds, rounded up, at
// least one.
func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
