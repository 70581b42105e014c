// Package auth says who is asking and what they may do.
//
// Who: an Authenticator turns a request's credentials into a Principal —
// anonymous (the public), or a subject of a department holding roles,
// authenticated by an API key (kept in the config only as a hash) or by an
// OIDC/JWT bearer token verified against its issuer's JWKS. The Middleware
// puts the principal in the request's context.
//
// What: CanSee, CanSeeUnmasked and CanWrite are pure decisions over a
// principal and a layer's access policy; Editors builds the write
// Authorizer the features package calls.
package auth
