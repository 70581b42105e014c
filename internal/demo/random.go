package demo

import (
	"math"
	"math/rand/v2"
)

// Each generator draws from its own PCG stream, chosen by one of these
// constants, so that a layer's records depend only on the seed and never on
// which other layers were generated first.
const (
	streamPlan      uint64 = 0x6a09e667f3bcc908 // the city plan shared by several layers
	streamBuildings uint64 = 0xbb67ae8584caa73b
	streamRoads     uint64 = 0x3c6ef372fe94f82b
	streamToilets   uint64 = 0xa54ff53a5f1d36f1
	streamClinics   uint64 = 0x510e527fade682d1
	streamHomeCare  uint64 = 0x9b05688c2b3e6c1f
)

// newRand returns the generator for one stream. The seed and the stream are
// mixed so that neighbouring seeds do not start neighbouring PCG states.
func newRand(seed int64, stream uint64) *rand.Rand {
	s := uint64(seed)
	return rand.New(rand.NewPCG(mix(s^stream), mix(s+stream)))
}

// mix is the splitmix64 finaliser: a cheap bijection that spreads every
// input bit over the whole word.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// between returns a uniform float in [lo, hi).
func between(r *rand.Rand, lo, hi float64) float64 {
	return lo + r.Float64()*(hi-lo)
}

// intBetween returns a uniform integer in [lo, hi].
func intBetween(r *rand.Rand, lo, hi int) int {
	return lo + r.IntN(hi-lo+1)
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool {
	return r.Float64() < p
}

// pick returns a uniformly chosen element of xs.
func pick[T any](r *rand.Rand, xs []T) T {
	return xs[r.IntN(len(xs))]
}

// weighted picks an index with probability proportional to its weight.
type weighted struct {
	cumulative []float64
}

func newWeighted(weights []float64) weighted {
	c := make([]float64, len(weights))
	sum := 0.0
	for i, w := range weights {
		sum += w
		c[i] = sum
	}
	return weighted{c}
}

func (w weighted) pick(r *rand.Rand) int {
	x := r.Float64() * w.cumulative[len(w.cumulative)-1]
	lo, hi := 0, len(w.cumulative)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if w.cumulative[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// round2 rounds to centimetres: survey-grade precision for HK1980 Grid
// metres, and it hides last-bit differences a fused multiply-add could make.
func round2(x float64) float64 {
	return math.Round(x*100) / 100
}

// round1 rounds to one decimal place.
func round1(x float64) float64 {
	return math.Round(x*10) / 10
}
