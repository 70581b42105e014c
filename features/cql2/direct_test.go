package cql2

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestDirectAgrees compiles comparisons and LIKEs with and without the
// direct paths and evaluates both on well-typed, NULL and malformed
// attribute values: the answers, unknown included, must be the same.
func TestDirectAgrees(t *testing.T) {
	filters := []string{}
	for _, op := range []string{"=", "<>", "<", "<=", ">", ">="} {
		for _, lit := range []string{"3", "-2", "2.5", "9007199254740993", "1e300"} {
			filters = append(filters, "floors "+op+" "+lit, lit+" "+op+" height")
		}
		for _, lit := range []string{"''", "'b'", "'香港'"} {
			filters = append(filters, "name "+op+" "+lit, lit+" "+op+" name")
		}
		filters = append(filters, "built "+op+" DATE('2020-01-02')", "seen "+op+" TIMESTAMP('2020-01-02T03:04:05.5Z')",
			"TIMESTAMP('2020-01-02T00:00:00Z') "+op+" built")
	}
	filters = append(filters, "pool = TRUE", "pool <> false", "FALSE = pool",
		"name LIKE 'b%'", "name LIKE '%a_'", "name LIKE CASEI('B%')")
	values := map[string][]any{
		"floors": {nil, int64(3), int64(-2), int64(9007199254740992), int64(9007199254740993), 2.5, 3.0, math.NaN(), math.Inf(1),
			"3", true, int(3), int32(-2), float32(2.5), json.Number("3"), json.Number("2.5")},
		"height": {nil, 2.5, -2.0, 3.0, int64(3), math.Inf(-1), math.NaN(), 1e300, "x"},
		"name":   {nil, "", "a", "b", "ba", "香港", "B", int64(1)},
		"built":  {nil, day("2020-01-02"), day("2020-01-01"), ts("2020-01-02T00:00:00Z"), "2020-01-02"},
		"seen":   {nil, ts("2020-01-02T03:04:05.5Z"), ts("2020-01-02T03:04:05.499999999Z"), ts("2020-01-02T11:04:05.5+08:00"), time.Time{}},
		"pool":   {nil, true, false, "true", int64(1)},
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for _, src := range filters {
		direct = false
		general := mustCompile(t, src, testSchema)
		direct = true
		fast := mustCompile(t, src, testSchema)
		for range 200 {
			var kv []any
			for name, vs := range values {
				kv = append(kv, name, vs[rng.IntN(len(vs))])
			}
			p := props(kv...)
			if g, f := general.eval(p, nil), fast.eval(p, nil); g != f {
				t.Fatalf("%s on %v: general %v, direct %v", src, fmt.Sprint(p), g, f)
			}
		}
		// A props slice too short for the property is NULL.
		if g, f := general.eval(nil, nil), fast.eval(nil, nil); g != f {
			t.Fatalf("%s on no props: general %v, direct %v", src, g, f)
		}
	}
}
