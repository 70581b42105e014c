package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// relation is a table, view or materialized view with its columns, as the
// system catalogue describes it.
type relation struct {
	Schema, Name string
	Kind         string // pg_class.relkind: r, p, v, m, f
	Comment      string
	Columns      []column
}

// column is one attribute of a relation.
type column struct {
	Name    string
	NotNull bool
	Typmod  int32
	Direct  string // the declared type's name, before resolving a domain
	Type    pgType
	Comment string
	// PrimaryKey and Unique say whether a single-column primary key or an
	// unconditional unique index covers exactly this column.
	PrimaryKey, Unique bool
}

// catalogQuery lists every column of every relation in the given schemas
// that has at least one geometry column and that the current user may read.
// Partitions are left out: their parent is the layer. It reads pg_catalog
// directly rather than geometry_columns so that untyped geometry columns
// (views over expressions) are found too, and so that discovery does not
// depend on the schema PostGIS was installed in.
const catalogQuery = `
SELECT n.nspname, c.relname, c.relkind::text, coalesce(obj_description(c.oid, 'pg_class'), ''),
       a.attname, a.attnotnull, a.atttypmod, t.typname,
       bt.typname, bn.nspname, bt.typtype::text,
       coalesce(et.typname, ''), coalesce(en.nspname, ''),
       coalesce(col_description(c.oid, a.attnum), ''),
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary
               AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum),
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
               AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum
               AND i.indpred IS NULL AND i.indexprs IS NULL)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
JOIN pg_namespace bn ON bn.oid = bt.typnamespace
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
LEFT JOIN pg_namespace en ON en.oid = et.typnamespace
WHERE n.nspname = ANY($1)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
  AND has_table_privilege(c.oid, 'SELECT')
  AND EXISTS (SELECT 1 FROM pg_attribute ga JOIN pg_type gt ON gt.oid = ga.atttypid
              WHERE ga.attrelid = c.oid AND ga.attnum > 0 AND NOT ga.attisdropped
                AND gt.typname = 'geometry')
ORDER BY n.nspname, c.relname, a.attnum`

// relations reads the catalogue for the store's schemas, in schema, name
// and column order.
func (s *Store) relations(ctx context.Context) ([]relation, error) {
	rows, err := s.pool.Query(ctx, catalogQuery, s.schemas)
	if err != nil {
		return nil, fmt.Errorf("postgis: read catalogue: %w", err)
	}
	defer rows.Close()
	var rels []relation
	for rows.Next() {
		var r relation
		var c column
		if err := rows.Scan(&r.Schema, &r.Name, &r.Kind, &r.Comment,
			&c.Name, &c.NotNull, &c.Typmod, &c.Direct,
			&c.Type.Name, &c.Type.Schema, &c.Type.Kind,
			&c.Type.Elem, &c.Type.ElemSchema,
			&c.Comment, &c.PrimaryKey, &c.Unique); err != nil {
			return nil, fmt.Errorf("postgis: read catalogue: %w", err)
		}
		if n := len(rels); n == 0 || rels[n-1].Schema != r.Schema || rels[n-1].Name != r.Name {
			rels = append(rels, r)
		}
		last := &rels[len(rels)-1]
		last.Columns = append(last.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: read catalogue: %w", err)
	}
	return rels, nil
}

// isGeometry reports whether the column is declared as PostGIS geometry.
func (c column) isGeometry() bool { return c.Direct == "geometry" }

// geometryColumns are the relation's geometry columns in column order.
func (r relation) geometryColumns() []column {
	var out []column
	for _, c := range r.Columns {
		if c.isGeometry() {
			out = append(out, c)
		}
	}
	return out
}

// idColumn picks the column whose values identify features: the
// single-column primary key, else a NOT NULL, unique integer, text or uuid
// column with a conventional id name (any letter case). "" means features are numbered by
// row instead.
func (r relation) idColumn() string {
	for _, c := range r.Columns {
		if c.PrimaryKey {
			return c.Name
		}
	}
	for _, name := range idColumnNames {
		for _, c := range r.Columns {
			if strings.EqualFold(c.Name, name) && c.NotNull && c.Unique && idColumnType(c.Type) {
				return c.Name
			}
		}
	}
	return ""
}

// qualified is the relation's name for SQL.
func (r relation) qualified() string {
	return pgx.Identifier{r.Schema, r.Name}.Sanitize()
}
