# csdi — see README.md. Every target installs what it needs when missing.
GO        ?= go
BIN       := bin/csdi
TESTENV   := internal/testenv
VIEWER    := internal/viewer
FUZZTIME  ?= 5s
SOAKTIME  ?= 2m

.PHONY: run build test vet fuzz bench soak clean vendor-viewer

## run: build and serve the demo on the embedded store at http://127.0.0.1:8080
run: build
	./$(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/csdi

## test: the whole suite against a throwaway PostgreSQL + PostGIS
test:
	./$(TESTENV)/deps.sh
	npm ci --prefix $(VIEWER) --no-audit --no-fund --loglevel=error
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(MAKE) --no-print-directory fuzz
	CSDI_TEST_REQUIRE_BROWSER=1 CSDI_TEST_REQUIRE_NGINX=1 ./$(TESTENV)/with-postgis.sh $(GO) test -race -count=1 -timeout 20m ./...

## fuzz: run every fuzz target for a short bounded time. A crasher is saved
## under testdata/fuzz and fails the retry too; a run that only failed (the
## fuzzing engine can lose a worker on a loaded machine) is retried once.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for fn in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | cut -d' ' -f2); do \
	    echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
	    if ! $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg >/tmp/csdi-fuzz.log 2>&1; then \
	      grep -v 'elapsed:' /tmp/csdi-fuzz.log | tail -20; echo "retrying $$fn once"; \
	      $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	    fi; \
	  done; \
	done

## bench: Go benchmarks beside PostGIS doing the same job; writes BENCHMARKS.md
bench:
	./$(TESTENV)/deps.sh
	./$(TESTENV)/with-postgis.sh $(GO) run ./internal/bench/cmd/benchreport -out BENCHMARKS.md
	@{ echo "## Package benchmarks"; echo; \
	   echo "Go benchmarks of the hot paths on synthetic data. \`WorldVersusLonLat\` is the measurement behind"; \
	   echo "storing geometry in Web Mercator world coordinates rather than lon/lat (project stage and whole tile)."; \
	   echo; echo '```'; \
	   $(GO) test -run '^$$' -bench . -benchmem ./tiles ./features ./internal/crs | grep -E '^(Benchmark|ok)'; \
	   echo '```'; } >> BENCHMARKS.md

## soak: a bounded mixed load (tiles, items, PUTs, imports) on a real csdi
## serve over PostGIS; fails on any 5xx, goroutine leak or RSS climb and
## writes the Soak section of BENCHMARKS.md. SOAKTIME=20s for a quick one.
soak:
	./$(TESTENV)/deps.sh
	./$(TESTENV)/with-postgis.sh $(GO) run ./internal/bench/cmd/soak -duration $(SOAKTIME) -out BENCHMARKS.md

clean:
	rm -rf bin csdi-demo.gpkg

## vendor-viewer: refresh the vendored MapLibre GL JS from npm (only when
## bumping its version in internal/viewer/package.json)
vendor-viewer:
	./$(VIEWER)/vendor.sh
