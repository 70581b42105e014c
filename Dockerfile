# syntax=docker/dockerfile:1
# The Go image pins go.mod's go line, so the build never fetches a toolchain.
# csdi: one static binary on a distroless base, running as non-root.
#   docker build -t csdi .        (docker-compose.yml builds it for you)

FROM golang:1.26.8 AS build
WORKDIR /src
# Modules first, so that a source change reuses the downloaded modules.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# Static (no cgo: the embedded store's SQLite is pure Go) and reproducible.
# Time zones need no embedding: masking uses a fixed UTC+8 and the base
# image carries tzdata anyway.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/csdi ./cmd/csdi \
 && mkdir -p /out/data

# static-debian12: CA certificates (TLS to PostgreSQL and identity
# providers), tzdata, /etc/passwd with nonroot (65532); no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/csdi /csdi
# The embedded store (used only without a database URL) lives in /data.
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
WORKDIR /data
VOLUME /data
ENV CSDI_ADDR=0.0.0.0:8080 CSDI_EMBEDDED_PATH=/data/csdi.gpkg
# 8080: the API; 9090: metrics when server.metrics_addr is set.
EXPOSE 8080 9090
# Exec form: no shell needed. Healthy once /readyz says the cache is
# loaded and following the change log.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5m --retries=3 CMD ["/csdi", "healthcheck"]
ENTRYPOINT ["/csdi"]
CMD ["serve"]
