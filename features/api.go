package features

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// api answers /api: the OpenAPI document, or a page describing it.
func (h *Handler) api(w http.ResponseWriter, r *http.Request) error {
	q, f, err := commonRequest(r)
	if err != nil {
		return err
	}
	base := httpx.Base(r)
	doc, err := h.openAPI(base, h.layers(r))
	if err != nil {
		return err
	}
	if f != formatHTML {
		return writeJSON(w, mediaOpenAPI, doc)
	}
	page, err := describeAPI(doc)
	if err != nil {
		return err
	}
	links := selfLinks(base, "/api", q, f, mediaOpenAPI)
	return h.renderHTML(w, r, q, "api.html", links, page)
}

// apiPage is the OpenAPI document as a person reads it: each path, its
// operations and their parameters.
type apiPage struct {
	Paths []apiPath
}

type apiPath struct {
	Path       string
	Operations []apiOperation
}

type apiOperation struct {
	Method      string
	Summary     string
	Description string
	Parameters  []apiParameter
}

type apiParameter struct {
	Name, In, Type, Description string
	Required                    bool
}

// describeAPI reads the document back through its JSON form, so that the
// paths other packages add are described the same way as ours.
func describeAPI(doc *openAPIDoc) (apiPage, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return apiPage{}, fmt.Errorf("openapi: %w", err)
	}
	var generic struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]rawParameter `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &generic); err != nil {
		return apiPage{}, fmt.Errorf("openapi: %w", err)
	}
	var page apiPage
	for _, path := range slices.Sorted(maps.Keys(generic.Paths)) {
		p := apiPath{Path: path}
		for _, method := range []string{"get", "put", "post", "delete", "patch"} {
			opRaw, ok := generic.Paths[path][method]
			if !ok {
				continue
			}
			var op struct {
				Summary     string         `json:"summary"`
				Description string         `json:"description"`
				Parameters  []rawParameter `json:"parameters"`
			}
			if err := json.Unmarshal(opRaw, &op); err != nil {
				return apiPage{}, fmt.Errorf("openapi %s %s: %w", method, path, err)
			}
			o := apiOperation{Method: strings.ToUpper(method), Summary: op.Summary, Description: op.Description}
			for _, rp := range op.Parameters {
				if rp.Ref != "" {
					rp = generic.Components.Parameters[strings.TrimPrefix(rp.Ref, "#/components/parameters/")]
				}
				o.Parameters = append(o.Parameters, apiParameter{
					Name: rp.Name, In: rp.In, Type: rp.Schema.typeName(), Description: rp.Description, Required: rp.Required,
				})
			}
			p.Operations = append(p.Operations, o)
		}
		page.Paths = append(page.Paths, p)
	}
	return page, nil
}

type rawParameter struct {
	Ref         string    `json:"$ref"`
	Name        string    `json:"name"`
	In          string    `json:"in"`
	Description string    `json:"description"`
	Required    bool      `json:"required"`
	Schema      rawSchema `json:"schema"`
}

type rawSchema struct {
	Type   string     `json:"type"`
	Format string     `json:"format"`
	Enum   []any      `json:"enum"`
	Items  *rawSchema `json:"items"`
}

// typeName is a schema in a few words: "integer (int64)", "array of number".
func (s rawSchema) typeName() string {
	t := s.Type
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if s.Items != nil {
		t += " of " + s.Items.typeName()
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = fmt.Sprint(v)
		}
		t += ": " + strings.Join(vals, ", ")
	}
	return t
}
