# syntax=docker/dockerfile:1
# The exchange's three images, from one build:
#
#   docker build --target node   -t orderbook-node:0.1.0   .   # the local chain (dev overlay only)
#   docker build --target app    -t orderbook-app:0.1.0    .   # indexer, feed (+ the web app), reconcile
#   docker build --target keeper -t orderbook-keeper:0.1.0 .   # the crank
#
# Each runs as a non-root user on distroless (no shell, no package manager):
# `docker run --rm orderbook-app:0.1.0 --help` is the smoke test. deploy/
# holds the Kubernetes manifests that run them (docs/deploy.md).

ARG RUST_VERSION=1.95
ARG NODE_VERSION=20

# The trading web app (app/web) and the TypeScript client it imports.
FROM node:${NODE_VERSION}-bookworm-slim AS web
WORKDIR /src
COPY package.json package-lock.json ./
COPY clients/ts/package.json clients/ts/
COPY tests/support/package.json tests/support/
COPY tests/ts/package.json tests/ts/
COPY app/web/package.json app/web/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY idl idl
COPY clients/ts clients/ts
COPY app/web app/web
RUN npm run -w clients/ts build && npm run -w app/web build

# The Rust binaries, release profile, from the committed Cargo.lock.
FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
      --bin orderbook-node --bin orderbook-keeper --bin orderbook-app \
    && mkdir -p /out \
    && cp target/release/orderbook-node target/release/orderbook-keeper target/release/orderbook-app /out/

# glibc, libgcc and OpenSSL's libraries, a nonroot user (65532), no shell.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
USER 65532:65532
WORKDIR /home/nonroot

FROM runtime AS node
COPY --from=build /out/orderbook-node /usr/local/bin/orderbook-node
EXPOSE 8899 8900
ENTRYPOINT ["/usr/local/bin/orderbook-node"]

FROM runtime AS keeper
COPY --from=build /out/orderbook-keeper /usr/local/bin/orderbook-keeper
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/orderbook-keeper"]

FROM runtime AS app
COPY --from=build /out/orderbook-app /usr/local/bin/orderbook-app
# Served by `feed --web-dir /usr/share/orderbook/web` (the manifests set it).
COPY --from=web /src/app/web/dist /usr/share/orderbook/web
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/orderbook-app"]
