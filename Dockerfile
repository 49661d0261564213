# A multi-stage build of the helpdesk binary. SQLite and libpq are compiled in (bundled); the
# runtime image only needs OpenSSL and CA certificates.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin helpdesk

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /data --create-home helpdesk
COPY --from=build /src/target/release/helpdesk /usr/local/bin/helpdesk
USER helpdesk
WORKDIR /data
ENV HELPDESK_BIND=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/ready || exit 1
ENTRYPOINT ["helpdesk"]
CMD ["serve"]
