"""Drive OWSLib's OGC API - Features client against a running csdi.

Usage: /usr/bin/python3 owslib_client.py BASE_URL SPEC_JSON

SPEC_JSON names a collection and a set of named item queries (keyword
arguments for Features.collection_items, which sends any it does not know,
such as crs and bbox-crs, as query parameters; a query may name another
collection). What OWSLib saw is printed as one JSON document on stdout for
analyst_test.go to check against PostGIS; a query the server refuses is
reported with its error, not raised.
"""

import json
import sys

from owslib.ogcapi.features import Features


def first_position(geometry):
    """The first coordinate pair of a geometry, as the server wrote it."""
    c = (geometry or {}).get("coordinates")
    while isinstance(c, list) and c and isinstance(c[0], list):
        c = c[0]
    return c[:2] if isinstance(c, list) and len(c) >= 2 else None


def summarise(fc):
    feats = fc.get("features", [])
    return {
        "numberMatched": fc.get("numberMatched"),
        "numberReturned": fc.get("numberReturned"),
        "features": len(feats),
        "ids": [f.get("id") for f in feats],
        "types": sorted({(f.get("geometry") or {}).get("type", "null") for f in feats}),
        "positions": [first_position(f.get("geometry")) for f in feats],
    }


def main():
    base, spec = sys.argv[1], json.loads(sys.argv[2])
    api = Features(base.rstrip("/") + "/")
    layer = spec["collection"]
    out = {
        "conformsTo": api.conformance().get("conformsTo", []),
        "collections": [c["id"] for c in api.collections().get("collections", [])],
        "featureCollections": api.feature_collections(),
        "collectionTitle": api.collection(layer).get("title"),
    }
    queryables = api.collection_queryables(layer)
    out["queryables"] = sorted(queryables.get("properties", {}))
    out["queryablesSchema"] = queryables.get("$schema")
    runs = {}
    for name, params in spec["queries"].items():
        target = params.pop("collection", layer)
        try:
            # e.g. crs=..., **{"bbox-crs": ...}: OWSLib forwards both.
            runs[name] = summarise(api.collection_items(target, **params))
        except Exception as e:  # the server's refusal, kept for the test's message
            runs[name] = {"error": str(e)[:500]}
        runs[name]["url"] = api.request
    out["queries"] = runs
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
