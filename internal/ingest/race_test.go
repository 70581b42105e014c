//go:build race

package ingest_test

// The race detector makes an import several times slower.
const raceEnabled = true
