# csdi: a static binary on a distroless base, running as non-root.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /csdi ./cmd/csdi

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /csdi /csdi
USER nonroot:nonroot
EXPOSE 8080
ENV CSDI_ADDR=0.0.0.0:8080 CSDI_EMBEDDED_PATH=/tmp/csdi-demo.gpkg
ENTRYPOINT ["/csdi"]
CMD ["serve"]
