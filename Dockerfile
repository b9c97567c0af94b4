# Multi-stage build: compile with the Rust toolchain, run on a slim Debian as a
# non-root user. SQLite and libpq are compiled in; the image needs no database client.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY .cargo .cargo
# diesel_derives with one patch (vendor/diesel_derives/PATCHED.md), used via [patch.crates-io].
COPY vendor vendor
COPY src src
COPY migrations migrations
COPY templates templates
COPY static static
COPY locales locales
COPY config config
RUN cargo build --release --locked && strip target/release/privacy-portal

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal \
 && mkdir -p /data /ledger && chown portal /data /ledger
WORKDIR /app
COPY --from=build /src/target/release/privacy-portal /usr/local/bin/privacy-portal
COPY config /app/config
USER portal
# The erasure ledger has its own volume: it must outlive the database and its backups.
VOLUME /data /ledger
ENV PORTAL_BIND=0.0.0.0:8080 \
    PORTAL_DATABASE_URL=sqlite:///data/portal.sqlite3 \
    PORTAL_ERASURE_LEDGER__PATH=/ledger/erasure-ledger.jsonl \
    PORTAL_DEMO=false \
    PORTAL_LOG__FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["privacy-portal"]
CMD ["serve"]
