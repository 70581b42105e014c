// Package audit is csdi's audit trail: an append-only, tamper-evident log of
// every write and every unmasked read of a sensitive layer, kept in the
// store beside the data.
//
// Each Entry is chained to the one before it: its Hash covers every field
// (a canonical, length-prefixed encoding, see Chain) including the previous
// entry's hash, and entries are numbered 1, 2, 3, ... without gaps. So
//
//   - changing any field of an entry breaks its own hash;
//   - deleting an entry in the middle leaves a gap in the numbers and a
//     link that no longer matches;
//   - deleting entries at the end leaves a shorter chain that is still
//     whole: only an Anchor (the head's seq and hash, recorded somewhere
//     the operator keeps, such as the output of `csdi audit verify` or the
//     server's logs) shows that the log once went further.
//
// With a key (NewChain(key)) the hashes are HMAC-SHA-256, so someone with
// write access to the table but not the key cannot forge a consistent
// chain after a change; without one (plain SHA-256) they can rewrite the
// tail and recompute every hash, and only an anchor catches it. Use a key.
//
// The stores keep the log (postgis and gpkg implement Keeper) and refuse
// UPDATE and DELETE of it with triggers; Verify checks a chain read back.
// Nothing here imports an HTTP or store package, so both may import this.
package audit
