package gpkg

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
)

// storedLayer is the JSON in csdi_layers. Columns repeats each field's
// source column, which layer.Field leaves out of its JSON.
type storedLayer struct {
	Layer   layer.Layer `json:"layer"`
	Columns []string    `json:"columns"`
}

func saveMetadata(ctx context.Context, ex execer, l *layer.Layer) error {
	cols := make([]string, len(l.Fields))
	for i, f := range l.Fields {
		cols[i] = f.SourceColumn()
	}
	b, err := json.Marshal(storedLayer{Layer: *l, Columns: cols})
	if err != nil {
		return fmt.Errorf("encode layer metadata: %w", err)
	}
	_, err = ex.ExecContext(ctx, `INSERT INTO csdi_layers (id, table_name, json) VALUES (?, ?, ?)`,
		l.ID, l.Source.Table, string(b))
	if err != nil {
		return fmt.Errorf("save layer metadata: %w", err)
	}
	return nil
}

// loadMetadata returns the layers csdi wrote, by lower-cased table name
// (SQLite table names are case-insensitive). A file without csdi_layers —
// one GDAL or QGIS made — has none.
func (s *Store) loadMetadata(ctx context.Context, q execer) (map[string]layer.Layer, error) {
	ok, err := tableExists(ctx, q, "csdi_layers")
	if err != nil || !ok {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, table_name, json FROM csdi_layers`)
	if err != nil {
		return nil, fmt.Errorf("read layer metadata: %w", err)
	}
	defer rows.Close()
	out := make(map[string]layer.Layer)
	for rows.Next() {
		var id, table, doc string
		if err := rows.Scan(&id, &table, &doc); err != nil {
			return nil, fmt.Errorf("read layer metadata: %w", err)
		}
		var sl storedLayer
		if err := json.Unmarshal([]byte(doc), &sl); err != nil {
			// Someone else's edit gone wrong: serve the table as inferred.
			s.log.Warn("gpkg: ignoring unreadable layer metadata", "layer", id, "err", err)
			continue
		}
		if len(sl.Columns) == len(sl.Layer.Fields) {
			for i := range sl.Layer.Fields {
				if sl.Columns[i] != sl.Layer.Fields[i].Name {
					sl.Layer.Fields[i].Column = sl.Columns[i]
				}
			}
		}
		out[strings.ToLower(table)] = sl.Layer
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read layer metadata: %w", err)
	}
	return out, nil
}
