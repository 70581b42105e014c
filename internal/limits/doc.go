// Package limits refuses abuse politely: a token bucket per principal
// (429 with Retry-After when it is empty) and a bound on how many heavy
// requests — downloads, imports, cold low-zoom tiles — run at once (503
// with Retry-After after a short wait), so that no one caller and no kind
// of expensive work can starve cheap tile and item reads.
package limits
