package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// minRSABits is the smallest RSA modulus accepted (NIST SP 800-131A).
const minRSABits = 2048

// publicKey is one usable key of a JWKS.
type publicKey struct {
	kid string
	alg string // empty: any algorithm that fits the key
	key crypto.PublicKey
}

// accepts reports whether k may check a token signed with alg: the
// algorithm must fit the key's type and curve, and the key's own alg, when
// it names one, must be that algorithm.
func (k publicKey) accepts(alg string) bool {
	a, ok := algorithms[alg]
	return ok && (k.alg == "" || k.alg == alg) && a.fits(k.key)
}

type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Alg    string   `json:"alg"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// parseJWKS reads a JWK Set, keeping the keys that can verify signatures
// and saying why each other one was skipped (an encryption key, an HMAC
// secret, a type csdi does not know), so one odd key does not lose the rest.
func parseJWKS(b []byte) (keys []publicKey, skipped []error, err error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("not a JWK Set: %w", err)
	}
	for i, raw := range doc.Keys {
		var j jwk
		if err := json.Unmarshal(raw, &j); err != nil {
			skipped = append(skipped, fmt.Errorf("key %d: %w", i, err))
			continue
		}
		k, err := j.publicKey()
		if err != nil {
			skipped = append(skipped, fmt.Errorf("key %d (kid %q): %w", i, j.Kid, err))
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, skipped, errors.Join(append([]error{errors.New("no key in the set can verify signatures")}, skipped...)...)
	}
	return keys, skipped, nil
}

func (j jwk) publicKey() (publicKey, error) {
	if j.Use != "" && j.Use != "sig" {
		return publicKey{}, fmt.Errorf("its use is %q, not sig", j.Use)
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") {
		return publicKey{}, errors.New("its key_ops do not include verify")
	}
	if j.Alg != "" {
		if _, ok := algorithms[j.Alg]; !ok {
			return publicKey{}, fmt.Errorf("its algorithm %q is not one csdi accepts", j.Alg)
		}
	}
	var key crypto.PublicKey
	var err error
	switch j.Kty {
	case "RSA":
		key, err = rsaKey(j.N, j.E)
	case "EC":
		key, err = ecKey(j.Crv, j.X, j.Y)
	default:
		return publicKey{}, fmt.Errorf("key type %q is not RSA or EC", j.Kty)
	}
	if err != nil {
		return publicKey{}, err
	}
	k := publicKey{kid: j.Kid, alg: j.Alg, key: key}
	if j.Alg != "" && !algorithms[j.Alg].fits(key) {
		return publicKey{}, fmt.Errorf("its algorithm %q does not fit a %s key", j.Alg, j.Kty)
	}
	return k, nil
}

func rsaKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err1 := base64.RawURLEncoding.DecodeString(n64)
	eb, err2 := base64.RawURLEncoding.DecodeString(e64)
	if err1 != nil || err2 != nil || len(nb) == 0 || len(eb) == 0 {
		return nil, errors.New("n and e must be base64url")
	}
	n := new(big.Int).SetBytes(nb)
	if n.BitLen() < minRSABits {
		return nil, fmt.Errorf("an RSA key of %d bits is too short (at least %d)", n.BitLen(), minRSABits)
	}
	if len(eb) > 4 {
		return nil, errors.New("the RSA exponent is too large")
	}
	e := int(new(big.Int).SetBytes(eb).Int64())
	if e < 3 || e%2 == 0 {
		return nil, errors.New("the RSA exponent must be odd and at least 3")
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

func ecKey(crv, x64, y64 string) (*ecdsa.PublicKey, error) {
	var curve elliptic.Curve
	switch crv {
	case "P-256":
		curve = elliptic.P256()
	case "P-384":
		curve = elliptic.P384()
	case "P-521":
		curve = elliptic.P521()
	default:
		return nil, fmt.Errorf("curve %q is not P-256, P-384 or P-521", crv)
	}
	size := (curve.Params().BitSize + 7) / 8
	x, err1 := base64.RawURLEncoding.DecodeString(x64)
	y, err2 := base64.RawURLEncoding.DecodeString(y64)
	if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
		return nil, fmt.Errorf("x and y must be base64url of %d bytes each", size)
	}
	point := append(append([]byte{4}, x...), y...)
	key, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, fmt.Errorf("not a point on %s: %w", crv, err)
	}
	return key, nil
}
