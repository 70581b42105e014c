package features

import (
	"net/url"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// cqlFilter is the compiled filter parameter; CQL2 lands next.
type cqlFilter struct{ Text, Lang string }

// parseFilter refuses filter until CQL2 lands.
func (h *Handler) parseFilter(q url.Values, _ *layer.Layer, _ *itemsQuery) error {
	for _, p := range []string{"filter", "filter-lang", "filter-crs"} {
		if _, ok := q[p]; ok {
			return httpx.BadRequest("%s is not supported yet", p)
		}
	}
	return nil
}
