package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// editBackend is a Store with the contract suite's hook for direct writes.
type editBackend struct{ *Store }

// Direct writes through a pool of its own on the same file, as another
// SQLite client would (it needs the GeoPackage's ST_ functions, which the
// spatial index triggers call, so it uses our driver).
func (b editBackend) Direct(ctx context.Context, l *layer.Layer, d storetest.DirectEdit) error {
	db := sql.OpenDB(b.conn)
	defer db.Close()
	var err error
	switch d.Op {
	case store.OpUpdate:
		_, err = db.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ?",
			quote(l.Source.Table), quote(d.Column), quote(l.Source.IDColumn)), d.Value, d.ID)
	case store.OpDelete:
		_, err = db.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = ?",
			quote(l.Source.Table), quote(l.Source.IDColumn)), d.ID)
	default:
		err = fmt.Errorf("direct %v is not supported", d.Op)
	}
	return err
}

func TestEditContract(t *testing.T) {
	storetest.RunEdit(t, func(t *testing.T) storetest.EditBackend {
		s := openTemp(t)
		if _, err := s.Migrate(context.Background(), nil); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return editBackend{s}
	})
}
