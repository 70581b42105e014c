package main

import "testing"

func TestFmtRatio(t *testing.T) {
	for r, want := range map[float64]string{
		0.0417: "0.042", 0.0099: "0.0099", 0.00123: "0.0012", 0.1: "0.1", 0.96: "1.0", 1.8: "1.8", 12.34: "12.3", 0: "0.0",
	} {
		if got := fmtRatio(r); got != want {
			t.Errorf("fmtRatio(%v) = %q, want %q", r, got, want)
		}
	}
}
