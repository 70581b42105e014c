package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Keys are made once per test binary: RSA generation is slow under -race.
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	keys := map[string]crypto.Signer{}
	for _, name := range []string{"rsa1", "rsa2", "rsa3"} {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[name] = k
	}
	for name, curve := range map[string]elliptic.Curve{"p256": elliptic.P256(), "p384": elliptic.P384(), "p521": elliptic.P521()} {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			panic(err)
		}
		keys[name] = k
	}
	return keys
})

func key(name string) crypto.Signer { return testKeys()[name] }

var b64 = base64.RawURLEncoding

// jwkOf is the public JWK of a test key.
func jwkOf(kid, alg string, k crypto.Signer) map[string]any {
	m := map[string]any{"kid": kid, "use": "sig"}
	if alg != "" {
		m["alg"] = alg
	}
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = b64.EncodeToString(pub.N.Bytes())
		m["e"] = b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		size := (pub.Curve.Params().BitSize + 7) / 8
		m["kty"] = "EC"
		m["crv"] = pub.Curve.Params().Name
		m["x"] = b64.EncodeToString(pub.X.FillBytes(make([]byte, size)))
		m["y"] = b64.EncodeToString(pub.Y.FillBytes(make([]byte, size)))
	}
	return m
}

// signJWT makes a compact JWS of claims with the header fields given
// (alg and kid at least), signed with k for RS/PS/ES algorithms, with
// secret for HS256, and unsigned for none.
func signJWT(t testing.TB, hdr map[string]any, claims map[string]any, k crypto.Signer, secret []byte) string {
	t.Helper()
	hb, _ := json.Marshal(hdr)
	cb, _ := json.Marshal(claims)
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	alg, _ := hdr["alg"].(string)
	var sig []byte
	var err error
	hashOf := func(h crypto.Hash) []byte {
		w := h.New()
		w.Write([]byte(input))
		return w.Sum(nil)
	}
	hashes := map[byte]crypto.Hash{'2': crypto.SHA256, '3': crypto.SHA384, '5': crypto.SHA512}
	switch {
	case alg == "none":
	case alg == "HS256":
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case alg[:2] == "RS":
		h := hashes[alg[2]]
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.(*rsa.PrivateKey), h, hashOf(h))
	case alg[:2] == "PS":
		h := hashes[alg[2]]
		sig, err = rsa.SignPSS(rand.Reader, k.(*rsa.PrivateKey), h, hashOf(h), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case alg[:2] == "ES":
		h := hashes[alg[2]]
		ek := k.(*ecdsa.PrivateKey)
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, ek, hashOf(h))
		size := (ek.Curve.Params().BitSize + 7) / 8
		sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
	default:
		sig = []byte("not a signature")
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

// clock is a settable time for tests.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time             { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration)    { c.ns.Add(int64(d)) }
func (c *clock) Unix(d time.Duration) int64 { return c.Now().Add(d).Unix() }

// idp is an identity provider: a JWKS (and discovery) over real HTTP
// whose keys a test can rotate and which it can take down.
type idp struct {
	srv     *httptest.Server
	mu      sync.Mutex
	keys    []map[string]any
	down    atomic.Bool
	fetches atomic.Int32 // JWKS requests
	issuer  string       // the server's URL
	// discoveryIssuer is the issuer the discovery document names: issuer
	// unless a test makes it lie.
	discoveryIssuer string
}

func newIDP(t testing.TB, keys ...map[string]any) *idp {
	p := &idp{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		if p.down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		p.mu.Lock()
		doc := map[string]any{"keys": p.keys}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		if p.down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.discoveryIssuer, "jwks_uri": p.srv.URL + "/jwks"})
	})
	p.srv = httptest.NewServer(mux)
	p.issuer = p.srv.URL
	p.discoveryIssuer = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) setKeys(keys ...map[string]any) {
	p.mu.Lock()
	p.keys = keys
	p.mu.Unlock()
}

func (p *idp) jwksURL() string { return p.srv.URL + "/jwks" }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
