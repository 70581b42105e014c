package gpkg

import (
	"fmt"
	"strings"
)

// quote makes name an SQLite identifier. Names come from the catalogue (a
// layer's table, columns); values never go through here, only parameters.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// InvalidNameError reports a table or column name the store will not create.
type InvalidNameError struct {
	Kind, Name, Reason string
}

func (e *InvalidNameError) Error() string {
	return fmt.Sprintf("gpkg: %s name %q %s", e.Kind, e.Name, e.Reason)
}

// csdiTables are the tables csdi keeps beside the layers.
var csdiTables = map[string]bool{"csdi_layers": true, "csdi_meta": true, "csdi_change_log": true, "csdi_actor": true}

// checkName rejects names SQLite or the GeoPackage spec reserve.
func checkName(kind, name string) error {
	lower := strings.ToLower(name)
	switch {
	case name == "":
		return &InvalidNameError{kind, name, "is empty"}
	case strings.ContainsRune(name, 0):
		return &InvalidNameError{kind, name, "contains a NUL byte"}
	case kind == "table" && (strings.HasPrefix(lower, "gpkg_") || strings.HasPrefix(lower, "rtree_") ||
		strings.HasPrefix(lower, "sqlite_") || csdiTables[lower]):
		return &InvalidNameError{kind, name, "is reserved by SQLite, the GeoPackage spec or csdi"}
	}
	return nil
}

// rtreeName is the spatial index table of a geometry column (spec F.3).
func rtreeName(table, column string) string {
	return "rtree_" + table + "_" + column
}
