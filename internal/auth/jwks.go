package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	fetchTimeout  = 10 * time.Second
	maxJWKSBytes  = 1 << 20
	maxJWKSKeys   = 100
	discoveryPath = "/.well-known/openid-configuration"
)

// keySet is an issuer's signing keys, fetched over HTTP and kept: fetched
// again when they are older than refresh or a token names a kid they lack,
// but never more than once per RefetchInterval, so tokens with made-up kids
// cannot hammer the provider. A failed fetch keeps the last good keys.
type keySet struct {
	issuer  string
	jwksURL string // configured; empty: discovered from the issuer
	refresh time.Duration
	client  *http.Client
	now     func() time.Time
	log     *slog.Logger

	mu       sync.Mutex
	keys     []publicKey
	fetched  time.Time     // of the keys held
	tried    time.Time     // the last fetch, good or not
	lastErr  error         // of the last failed fetch
	inflight chan struct{} // closed when the fetch under way ends
	// discovered is the jwks_uri the discovery document named; only the
	// goroutine running the fetch touches it.
	discovered string
}

// candidates are the keys that may have signed a token with kid and alg.
func (ks *keySet) candidates(ctx context.Context, kid, alg string) ([]publicKey, error) {
	ks.mu.Lock()
	cands, known := ks.match(kid, alg)
	stale := ks.fetched.IsZero() || ks.now().Sub(ks.fetched) >= ks.refresh
	ks.mu.Unlock()
	switch {
	case known && len(cands) == 0:
		// The kid is there but for another algorithm: a fetch will not
		// change that, and the token is not to be trusted.
		return nil, invalidToken("the token's algorithm " + alg + " does not fit its key (kid " + quotable(short(kid)) + ")")
	case len(cands) > 0 && !stale:
		return cands, nil
	case len(cands) > 0:
		// Stale but usable: refresh if due and nobody else is, without
		// waiting for someone else's fetch.
		_ = ks.fetch(ctx, false, false)
	default:
		if err := ks.fetch(ctx, true, false); err != nil && !errors.Is(err, ErrUnavailable) {
			return nil, err
		}
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if cands, known = ks.match(kid, alg); len(cands) > 0 {
		return cands, nil
	}
	switch {
	case known:
		return nil, invalidToken("the token's algorithm " + alg + " does not fit its key (kid " + quotable(short(kid)) + ")")
	case ks.keys == nil:
		err := ks.lastErr
		if err == nil {
			err = errors.New("not fetched yet")
		}
		return nil, &unavailableError{issuer: ks.issuer, err: err}
	case kid != "":
		return nil, invalidToken("the token is signed with a key its issuer does not publish (kid " + quotable(short(kid)) + ")")
	}
	return nil, invalidToken("the issuer publishes no key for the token's algorithm " + alg)
}

// match picks the keys for kid and alg; known says whether kid names a
// key at all. A token without a kid may be checked with every key that
// fits its algorithm.
func (ks *keySet) match(kid, alg string) (cands []publicKey, known bool) {
	for _, k := range ks.keys {
		if kid != "" && k.kid != kid {
			continue
		}
		known = known || kid != ""
		if k.accepts(alg) {
			cands = append(cands, k)
		}
	}
	return cands, known
}

// fetch fetches the keys if the last fetch is RefetchInterval old (or
// always, with force). With wait it joins a fetch under way; without, it
// leaves that to finish alone. It returns the error of the fetch it ran or
// joined.
func (ks *keySet) fetch(ctx context.Context, wait, force bool) error {
	ks.mu.Lock()
	if ch := ks.inflight; ch != nil {
		ks.mu.Unlock()
		if !wait {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the keys of %s: %w", ks.issuer, ctx.Err())
		}
		ks.mu.Lock()
		defer ks.mu.Unlock()
		if ks.lastErr != nil && ks.keys == nil {
			return &unavailableError{issuer: ks.issuer, err: ks.lastErr}
		}
		return nil
	}
	if !force && !ks.tried.IsZero() && ks.now().Sub(ks.tried) < RefetchInterval {
		defer ks.mu.Unlock()
		if ks.keys == nil && ks.lastErr != nil {
			return &unavailableError{issuer: ks.issuer, err: ks.lastErr}
		}
		return nil
	}
	ch := make(chan struct{})
	ks.inflight = ch
	ks.tried = ks.now()
	ks.mu.Unlock()

	// The fetch serves every request waiting on it, so one client going
	// away must not cancel it.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	keys, err := ks.download(fctx)

	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.inflight = nil
	close(ch)
	if err != nil {
		ks.lastErr = err
		if ks.keys != nil {
			ks.log.Warn("auth: fetching signing keys failed; keeping the last good ones",
				"issuer", ks.issuer, "keys_from", ks.fetched, "err", err)
			return nil
		}
		ks.log.Error("auth: fetching signing keys failed; tokens of this issuer cannot be checked",
			"issuer", ks.issuer, "err", err)
		return &unavailableError{issuer: ks.issuer, err: err}
	}
	ks.keys, ks.fetched, ks.lastErr = keys, ks.now(), nil
	return nil
}

// download reads the JWKS, finding its URL first when it is discovered.
func (ks *keySet) download(ctx context.Context) ([]publicKey, error) {
	url := ks.jwksURL
	if url == "" {
		if ks.discovered == "" {
			u, err := ks.discover(ctx)
			if err != nil {
				return nil, err
			}
			ks.discovered = u
		}
		url = ks.discovered
	}
	body, err := ks.get(ctx, url)
	if err != nil {
		ks.discovered = "" // it may have moved: discover again next time
		return nil, err
	}
	keys, skipped, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	for _, s := range skipped {
		ks.log.Debug("auth: skipping a key of the JWKS", "issuer", ks.issuer, "reason", s)
	}
	if len(keys) > maxJWKSKeys {
		keys = keys[:maxJWKSKeys]
	}
	return keys, nil
}

// discover reads the issuer's OpenID configuration for its jwks_uri.
func (ks *keySet) discover(ctx context.Context) (string, error) {
	url := strings.TrimSuffix(ks.issuer, "/") + discoveryPath
	body, err := ks.get(ctx, url)
	if err != nil {
		return "", err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("%s: not an OpenID configuration: %w", url, err)
	}
	// OpenID Connect Discovery 4.3: the document must name the issuer it
	// was fetched for, or its keys could belong to anyone.
	if doc.Issuer != ks.issuer {
		return "", fmt.Errorf("%s names issuer %q, not %q", url, doc.Issuer, ks.issuer)
	}
	if err := checkURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("%s: jwks_uri %w", url, err)
	}
	return doc.JWKSURI, nil
}

func (ks *keySet) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := ks.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("fetch %s: more than %d bytes", url, maxJWKSBytes)
	}
	return body, nil
}

// short keeps a client-given value from filling an error message.
func short(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
