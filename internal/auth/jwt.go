package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	_ "crypto/sha256" // the hashes the algorithms name
	_ "crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// maxTokenBytes bounds a token: real ones are a few KB, and a bigger one is
// refused before any decoding or crypto is spent on it.
const maxTokenBytes = 16 << 10

// token is a parsed, not yet verified, JWS compact serialisation.
type token struct {
	header       header
	claims       map[string]any // numbers as json.Number
	signingInput string         // base64url(header) "." base64url(payload)
	signature    []byte
}

type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
}

// parseToken splits and decodes a compact JWS. It checks the form only:
// the signature and the claims are checked by verify and the provider.
func parseToken(s string) (*token, error) {
	if len(s) > maxTokenBytes {
		return nil, fmt.Errorf("it is longer than %d bytes", maxTokenBytes)
	}
	h, rest, ok1 := strings.Cut(s, ".")
	p, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return nil, errors.New("a JWT has three parts separated by dots")
	}
	var t token
	hb, err := base64.RawURLEncoding.Strict().DecodeString(h)
	if err != nil {
		return nil, errors.New("its header is not base64url")
	}
	if err := decodeObject(hb, &t.header); err != nil {
		return nil, fmt.Errorf("its header: %w", err)
	}
	if t.header.Alg == "" {
		return nil, errors.New("its header names no algorithm (alg)")
	}
	if len(t.header.Crit) > 0 {
		// RFC 7515 4.1.11: extensions marked critical must be understood,
		// and csdi understands none.
		return nil, errors.New("its header marks extensions critical (crit) that csdi does not support")
	}
	pb, err := base64.RawURLEncoding.Strict().DecodeString(p)
	if err != nil {
		return nil, errors.New("its payload is not base64url")
	}
	if err := decodeObject(pb, &t.claims); err != nil {
		return nil, fmt.Errorf("its claims: %w", err)
	}
	if t.claims == nil {
		return nil, errors.New("its claims are not a JSON object")
	}
	if t.signature, err = base64.RawURLEncoding.Strict().DecodeString(sig); err != nil {
		return nil, errors.New("its signature is not base64url")
	}
	t.signingInput = s[:len(h)+1+len(p)]
	return &t, nil
}

// decodeObject decodes one JSON object and nothing after it.
func decodeObject(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 || bytes.TrimSpace(b)[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return errors.New("not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

type family int

const (
	pkcs1 family = iota + 1
	pss
	ecdsaSig
)

// algorithm is a JWS signature algorithm csdi accepts. Only asymmetric
// ones: "none" and the HMAC family (HS256, ...) are refused outright, so a
// public key can never be used as an HMAC secret.
type algorithm struct {
	family family
	hash   crypto.Hash
	curve  elliptic.Curve // ecdsaSig only
}

var algorithms = map[string]algorithm{
	"RS256": {pkcs1, crypto.SHA256, nil},
	"RS384": {pkcs1, crypto.SHA384, nil},
	"RS512": {pkcs1, crypto.SHA512, nil},
	"PS256": {pss, crypto.SHA256, nil},
	"PS384": {pss, crypto.SHA384, nil},
	"PS512": {pss, crypto.SHA512, nil},
	"ES256": {ecdsaSig, crypto.SHA256, elliptic.P256()},
	"ES384": {ecdsaSig, crypto.SHA384, elliptic.P384()},
	"ES512": {ecdsaSig, crypto.SHA512, elliptic.P521()},
}

// fits reports whether key can check signatures made with a.
func (a algorithm) fits(key crypto.PublicKey) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return a.family == pkcs1 || a.family == pss
	case *ecdsa.PublicKey:
		return a.family == ecdsaSig && k.Curve == a.curve
	}
	return false
}

// verify checks t's signature with key under t's algorithm.
func (t *token) verify(key crypto.PublicKey) error {
	a, ok := algorithms[t.header.Alg]
	if !ok || !a.fits(key) {
		return fmt.Errorf("algorithm %q does not fit the key", t.header.Alg)
	}
	h := a.hash.New()
	h.Write([]byte(t.signingInput))
	digest := h.Sum(nil)
	switch a.family {
	case pkcs1:
		return rsa.VerifyPKCS1v15(key.(*rsa.PublicKey), a.hash, digest, t.signature)
	case pss:
		return rsa.VerifyPSS(key.(*rsa.PublicKey), a.hash, digest, t.signature,
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	// ES*: the signature is r and s, each the curve's size, big-endian
	// (RFC 7518 3.4) — not the ASN.1 form crypto/ecdsa signs in.
	size := (a.curve.Params().BitSize + 7) / 8
	if len(t.signature) != 2*size {
		return fmt.Errorf("an %s signature must have %d bytes, not %d", t.header.Alg, 2*size, len(t.signature))
	}
	r := new(big.Int).SetBytes(t.signature[:size])
	s := new(big.Int).SetBytes(t.signature[size:])
	if !ecdsa.Verify(key.(*ecdsa.PublicKey), digest, r, s) {
		return errors.New("ecdsa: verification error")
	}
	return nil
}
