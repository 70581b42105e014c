package httpx

import (
	"context"
	"net/http"
)

func contextWith(r *http.Request, base string) context.Context {
	return context.WithValue(r.Context(), baseKey{}, base)
}
