package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// API keys are 256 random bits, so their hashes are plain SHA-256: nobody
// can search a space that size, however fast the hash, and a slow password
// hash (bcrypt, argon2) would cost every request tens of milliseconds of
// CPU — an easy denial of service — for no gain. The hash still means a
// leaked config file does not leak the keys.

// KeyPrefix starts every key NewAPIKey makes, so secret scanners and people
// recognise one.
const KeyPrefix = "csdi_"

const hashPrefix = "sha256:"

// NewAPIKey makes a new random key, to hand to the department once, and
// the hash to keep in the config.
func NewAPIKey() (key, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("new api key: %w", err)
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return key, HashAPIKey(key), nil
}

// HashAPIKey is the config form of key: "sha256:" and 64 hex digits.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hashPrefix + hex.EncodeToString(sum[:])
}

// parseKeyHash reads a config hash, saying what is wrong with it.
func parseKeyHash(s string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	if s == "" {
		return sum, errors.New(`hash is required: "sha256:" and 64 hex digits, made by csdi apikey`)
	}
	if strings.HasPrefix(s, KeyPrefix) {
		return sum, errors.New("hash holds a key, not its hash: keep only the hash in the config, and make a new key, since this one has been written down")
	}
	algo, digits, ok := strings.Cut(s, ":")
	if !ok || !strings.EqualFold(algo, "sha256") {
		return sum, errors.New(`hash must start with "sha256:" (the only hash csdi uses for API keys)`)
	}
	if len(digits) != hex.EncodedLen(sha256.Size) {
		return sum, fmt.Errorf("hash must have 64 hex digits after \"sha256:\", it has %d characters", len(digits))
	}
	if _, err := hex.Decode(sum[:], []byte(digits)); err != nil {
		return sum, errors.New(`hash must have 64 hex digits after "sha256:"; it has other characters`)
	}
	return sum, nil
}

// keyring finds the principal an API key stands for.
type keyring struct {
	hashes     [][sha256.Size]byte
	principals []Principal
}

func newKeyring(keys []APIKey) (*keyring, error) {
	kr := &keyring{}
	for i, k := range keys {
		sum, err := parseKeyHash(k.Hash)
		if err != nil {
			return nil, &ConfigError{fmt.Sprintf("auth.api_keys[%d] (%q)", i, k.Name), err.Error()}
		}
		kr.hashes = append(kr.hashes, sum)
		kr.principals = append(kr.principals, Principal{Method: ByAPIKey, Subject: k.Name,
			Department: k.Department, Roles: slices.Clone(k.Roles)})
	}
	return kr, nil
}

// lookup compares key's hash with every known one in constant time, never
// stopping at a match, so timing says nothing of which keys exist.
func (kr *keyring) lookup(key string) (Principal, error) {
	got := sha256.Sum256([]byte(key))
	found := -1
	for i := range kr.hashes {
		found = subtle.ConstantTimeSelect(subtle.ConstantTimeCompare(got[:], kr.hashes[i][:]), i, found)
	}
	if found < 0 {
		return Principal{}, invalidToken("the API key is not known to this server")
	}
	p := kr.principals[found]
	p.Roles = slices.Clone(p.Roles)
	return p, nil
}
