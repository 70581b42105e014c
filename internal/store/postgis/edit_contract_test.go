package postgis

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
	"github.com/csdi-hk/csdi/internal/testenv"
)

// editBackend adds the contract's direct edits: SQL on a connection of its
// own, as a department's ETL would run it.
type editBackend struct {
	*Store
	url string
}

func (b editBackend) Direct(ctx context.Context, l *layer.Layer, d storetest.DirectEdit) error {
	conn, err := pgx.Connect(ctx, b.url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	table := pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()
	id := pgx.Identifier{l.Source.IDColumn}.Sanitize()
	typ, err := b.idType(ctx, l)
	if err != nil {
		return err
	}
	switch d.Op {
	case store.OpUpdate:
		_, err = conn.Exec(ctx, "UPDATE "+table+" SET "+pgx.Identifier{d.Column}.Sanitize()+" = $1 WHERE "+id+" = $2::text::"+typ, d.Value, idText(d.ID))
	case store.OpDelete:
		_, err = conn.Exec(ctx, "DELETE FROM "+table+" WHERE "+id+" = $1::text::"+typ, idText(d.ID))
	default:
		err = fmt.Errorf("direct %v is not supported", d.Op)
	}
	return err
}

func TestEditContract(t *testing.T) {
	storetest.RunEdit(t, func(t *testing.T) storetest.EditBackend {
		url := testenv.DatabaseURL(t)
		s := open(t, url, Options{})
		if _, err := s.Migrate(context.Background(), nil); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return editBackend{Store: s, url: url}
	})
}
