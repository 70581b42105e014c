package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/csdi-hk/csdi/internal/access"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/privacy"
)

// maskedViews compiles the masking policy of every sensitive layer, gives
// each its masked view in the cache, and returns the per-request access
// catalogue over it. A policy that cannot work stops the start, naming the
// layer and the rule; a sensitive layer without a policy is served only to
// callers with the unmasked right.
func maskedViews(cfg *config.Config, c *cache.Cache, layers []layer.Layer, log *slog.Logger) (*access.Catalog, error) {
	minACR := map[string]string{}
	var key []byte
	var problems []error
	for i := range layers {
		l := &layers[i]
		if !l.Sensitive {
			continue
		}
		if l.Masking == nil {
			log.Warn("sensitive layer without a masking policy: served only to callers with the unmasked right", "layer", l.ID)
			continue
		}
		if key == nil {
			k, err := privacyKey(cfg, log)
			if err != nil {
				return nil, err
			}
			key = k
		}
		p, err := privacy.Compile(l, key)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if err := c.SetMasking(l.ID, cache.Masking{Layer: p.Layer(), NewView: func() cache.MaskView { return p.NewView() }}); err != nil {
			return nil, err
		}
		minACR[l.ID] = p.MinACR()
		if acr := p.MinACR(); acr != "" && !cfg.Auth.KnowsACR(acr) {
			problems = append(problems, fmt.Errorf("layer %s: masking min_acr %q is not among any identity provider's acr_values", l.ID, acr))
		}
		log.Info("masked view", "layer", l.ID, "policy", p.String())
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("masking policies:\n%w", errors.Join(problems...))
	}
	return access.New(c, minACR), nil
}

// privacyKey is the secret behind every pseudonym, hash and displacement:
// privacy.key (CSDI_PRIVACY_KEY), the same on every replica. The embedded
// store, a single process, keeps a generated one beside its file.
func privacyKey(cfg *config.Config, log *slog.Logger) ([]byte, error) {
	if k := cfg.Privacy.Key; k != "" {
		if len(k) < privacy.MinKeyLen {
			return nil, fmt.Errorf("privacy.key (CSDI_PRIVACY_KEY) must be at least %d characters", privacy.MinKeyLen)
		}
		return []byte(k), nil
	}
	if cfg.Database.URL != "" {
		return nil, errors.New("a layer is masked but privacy.key (CSDI_PRIVACY_KEY) is not set: every replica needs the same secret of at least 32 random characters")
	}
	path := cfg.Embedded.Path + ".privacy-key"
	if b, err := os.ReadFile(path); err == nil {
		k := strings.TrimSpace(string(b))
		if len(k) < privacy.MinKeyLen {
			return nil, fmt.Errorf("%s holds a key shorter than %d characters", path, privacy.MinKeyLen)
		}
		return []byte(k), nil
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("read the privacy key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	k := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(k+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("keep the generated privacy key: %w", err)
	}
	log.Info("generated the embedded store's privacy key", "path", path)
	return []byte(k), nil
}
