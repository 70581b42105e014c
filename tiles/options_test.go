package tiles

import (
	"reflect"
	"testing"
)

// TestOptionsDefaults checks the zero value means the defaults, a negative
// value turns the buffer or simplification off, and applying the defaults
// twice (NewHandler, then Encode) changes nothing.
func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		in          Options
		pixelBuffer int
		simplify    float64
		extent      uint32
	}{
		{Options{}, DefaultBuffer, DefaultSimplify, DefaultExtent},
		{Options{Buffer: 1, Extent: 512, Simplify: 2}, 1, 2, 512},
		{Options{Buffer: -1, Simplify: -1}, 0, -1, DefaultExtent},
		{Options{Buffer: -1000}, 0, DefaultSimplify, DefaultExtent},
	}
	for _, tc := range tests {
		once := tc.in.withDefaults()
		if twice := once.withDefaults(); !reflect.DeepEqual(twice, once) {
			t.Errorf("%+v: defaults applied twice give %+v, once %+v", tc.in, twice, once)
		}
		if once.pixelBuffer() != tc.pixelBuffer || once.Simplify != tc.simplify || once.Extent != tc.extent {
			t.Errorf("%+v: got %+v, buffer %d", tc.in, once, once.pixelBuffer())
		}
	}
}
