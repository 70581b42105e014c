package auth

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseToken feeds arbitrary strings to the token parser and, when it
// accepts one, to the signature check and every claim reader: none may
// panic, and what the parser keeps must be what it was given.
func FuzzParseToken(f *testing.F) {
	for _, s := range []string{
		"",
		".",
		"..",
		"a.b.c",
		"eyJhbGciOiJub25lIn0.e30.",
		"eyJhbGciOiJSUzI1NiIsImtpZCI6InIxIn0.eyJpc3MiOiJodHRwczovL2lkcCIsImV4cCI6MX0.c2ln",
		"eyJhbGciOiJSUzI1NiJ9.W10.c2ln",                 // claims an array
		"eyJhbGciOiJSUzI1NiJ9.bnVsbA.c2ln",              // claims null
		"eyJhbGciOiJSUzI1NiJ9.e30gIHt9.c2ln",            // two objects
		"eyJhbGciOiJSUzI1NiJ9.e30.c2ln.extra",           // four parts
		"eyJhbGciOiJSUzI1NiJ9=.e30.c2ln",                // padding
		"eyJhbGciOiJFUzI1NiJ9.e30.AAAA",                 // short ES signature
		"eyJjcml0IjpbImI2NCJdLCJhbGciOiJQUzI1NiJ9.e30.", // crit
		"e30.e30.e30",
		strings.Repeat("A", maxTokenBytes+1),
	} {
		f.Add(s)
	}
	pv := &provider{cfg: OIDC{Audience: "csdi", RoleMap: nil}.withDefaults(), now: time.Now}
	rsaKey, ecKey := key("rsa1").Public(), key("p256").Public()
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := parseToken(s)
		if err != nil {
			if tok != nil {
				t.Fatal("a token with an error")
			}
			return
		}
		if !strings.HasPrefix(s, tok.signingInput+".") || tok.header.Alg == "" || tok.claims == nil {
			t.Fatalf("parsed %q into %+v", s, tok)
		}
		_ = acceptable(tok.header.Alg)
		if tok.verify(rsaKey) == nil || tok.verify(ecKey) == nil {
			t.Fatalf("a fuzzed signature verified: %q", s)
		}
		_ = pv.checkTimes(tok.claims)
		_ = hasAudience(tok.claims["aud"], "csdi")
		_, _ = pv.department(tok.claims)
		_, _ = pv.roles(tok.claims)
	})
}
