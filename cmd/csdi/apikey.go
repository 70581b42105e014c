package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/csdi-hk/csdi/internal/auth"
)

// apikeyCmd makes a new API key: the key, shown once, for its holder, and
// the config entry with only its hash, for the server.
func apikeyCmd(_ context.Context, args []string, stdout, stderr io.Writer, _ func(string) string) error {
	fs := flag.NewFlagSet("apikey", flag.ContinueOnError)
	name := fs.String("name", "", "who the key is for, recorded as the actor of its writes (required)")
	dept := fs.String("department", "", "the department the key acts for (required)")
	roles := fs.String("roles", "viewer", "comma-separated roles: viewer, analyst, editor, admin")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *name == "" || *dept == "" {
		return fmt.Errorf("%w: apikey needs -name and -department", errUsage)
	}
	var rs []auth.Role
	for _, r := range strings.Split(*roles, ",") {
		r = strings.TrimSpace(r)
		switch auth.Role(r) {
		case auth.Viewer, auth.Analyst, auth.Editor, auth.Admin:
			rs = append(rs, auth.Role(r))
		default:
			return fmt.Errorf("%w: unknown role %q: use viewer, analyst, editor or admin", errUsage, r)
		}
	}
	entry := auth.APIKey{Name: *name, Department: *dept, Roles: rs}
	key, hash, err := auth.NewAPIKey()
	if err != nil {
		return err
	}
	entry.Hash = hash
	check := auth.Config{APIKeys: []auth.APIKey{entry}}
	if err := check.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	quoted := make([]string, len(rs))
	for i, r := range rs {
		quoted[i] = string(r)
	}
	fmt.Fprintf(stdout, "# The key, for %s only (it is not stored anywhere; keep it secret):\n#   %s\n", *name, key)
	fmt.Fprintf(stdout, "# Add to the server's config under auth.api_keys:\n- {name: %q, department: %q, roles: [%s], hash: %q}\n",
		*name, *dept, strings.Join(quoted, ", "), hash)
	return nil
}
