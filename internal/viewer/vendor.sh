#!/usr/bin/env bash
# Copies MapLibre GL JS, pinned by package-lock.json, into assets/ where the
# Go package embeds it. Run it after changing the maplibre-gl version and
# commit the result: `go build` needs no npm.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
src=node_modules/maplibre-gl
dst=assets/vendor
rm -rf "$dst" && mkdir -p "$dst"
# GL JS 6 is an ES module that loads its worker from beside itself.
cp "$src/dist/maplibre-gl.mjs" "$src/dist/maplibre-gl-worker.mjs" "$src/dist/maplibre-gl.css" "$dst/"
cp "$src/LICENSE.txt" "$dst/LICENSE-maplibre-gl.txt"
# The source map comments name files we do not ship.
sed -i '/^\/\/# sourceMappingURL=/d' "$dst/maplibre-gl.mjs" "$dst/maplibre-gl-worker.mjs"
node -p "require('./$src/package.json').version" > "$dst/VERSION"
echo "vendored maplibre-gl $(cat "$dst/VERSION"):"
ls -l "$dst"
