package tiles

import "github.com/csdi-hk/csdi/internal/cache"

// maxSafeID keeps hashed ids exact in a JavaScript number (2^53 - 1).
const maxSafeID = 1<<53 - 1

// mvtID is the MVT id of a cached feature: its numeric id when that is not
// negative, otherwise a stable hash of the id's text (MVT ids are unsigned).
func mvtID(id cache.ID) uint64 {
	if id.IsNum && id.Num >= 0 {
		return uint64(id.Num)
	}
	return fnv1a(id.String()) & maxSafeID
}

// fnv1a is the 64-bit FNV-1a hash, inline so that hashing allocates nothing.
func fnv1a(s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}
