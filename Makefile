# Kiket Marketplace — the two commands are `make run` and `make test`; both install what is missing.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

# Build output lives outside the clone so that fresh clones reuse it.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/kiket-marketplace/target
export CARGO_TERM_COLOR ?= never

SITE := target/site
PKG := $(SITE)/pkg
BIN := $(CARGO_TARGET_DIR)/debug/kiket-marketplace
KIKET := $(CARGO_TARGET_DIR)/debug/kiket
# The demo's example extension (Event Inspector) is `kiket extensions listen` on this address,
# with the signing secret its demo installation has (src/server/demo.rs, DEMO_SIGNING_SECRET).
DEMO_LISTEN := 127.0.0.1:3001
DEMO_SIGNING_SECRET := whsec_ZGVtby1zaWduaW5nLXNlY3JldC1ub3QtZm9yLXVzZSE=
WASM := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/debug/kiket_marketplace.wasm
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3; exit }' Cargo.lock)
CARGO_LEPTOS_VERSION := 0.3.10
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432
# The local S3-compatible server the blob store test starts (moto, from PyPI, in a venv).
MOTO_VERSION := 5.2.5
MOTO_VENV := $(HOME)/.cache/kiket-marketplace/moto-$(MOTO_VERSION)
export MOTO_SERVER ?= $(MOTO_VENV)/bin/moto_server
export LEPTOS_SITE_ROOT ?= $(SITE)

.PHONY: run test bench bootstrap tools chromium npm moto build site server wasm clippy test-rust test-e2e test-bin cli watch clean-site

## make run: install what is missing, build, serve http://127.0.0.1:3000 on SQLite with the demo data,
## and start the demo's example extension beside it (it prints each delivery it verifies).
run: bootstrap build
	@mkdir -p data
	@KIKET_SIGNING_SECRET=$(DEMO_SIGNING_SECRET) $(KIKET) extensions listen --addr $(DEMO_LISTEN) & \
	listener=$$!; trap 'kill $$listener 2>/dev/null || true' EXIT INT TERM; \
	$(BIN) serve --seed-demo

## make test: install what is missing, then clippy (ssr + hydrate), Rust tests on SQLite and
## PostgreSQL, and the Playwright suite (js + nojs) in Debian Chromium.
test: bootstrap moto clippy site test-rust test-e2e
	@echo "make test: all layers passed"

bootstrap: tools npm chromium

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (the version in Cargo.lock)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; \
	fi

chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

## The S3 test is skipped with a printed reason when moto cannot be installed (no python3 venv).
moto:
	@[ -x "$(MOTO_SERVER)" ] || { \
	  echo "installing moto[server] $(MOTO_VERSION) for the S3 blob store test"; \
	  { python3 -m venv "$(MOTO_VENV)" && "$(MOTO_VENV)/bin/pip" install -q "moto[server]==$(MOTO_VERSION)"; } \
	  || echo "WARNING: moto could not be installed; the S3 blob store test will be skipped"; }

npm: end2end/node_modules/.installed

end2end/node_modules/.installed: end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	@touch $@

## Build the browser bundle (wasm + JS glue), the stylesheet, the static assets and the server.
build: site server

site: wasm
	@mkdir -p $(PKG)
	wasm-bindgen --target web --no-typescript --out-dir $(PKG) --out-name kiket-marketplace $(WASM)
	cp style/main.css $(PKG)/kiket-marketplace.css
	cp -r public/. $(SITE)/

wasm:
	cargo build --lib --target wasm32-unknown-unknown --no-default-features --features hydrate

server:
	cargo build --bins --features ssr

clippy:
	cargo clippy --features ssr --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

## Rust tests: unit tests, then the integration suite on SQLite and on a scratch PostgreSQL database.
## One test at a time: each integration test runs the whole app in this process, and server-side
## renders of several apps at once occasionally never finish (see README, Known problems).
RUST_TEST_ARGS := -- --test-threads=1
test-rust:
	@scratch="kiket_test_$$(date +%s)_$$$$"; \
	if psql "$(TEST_POSTGRES_URL)/postgres" -qAtc "CREATE DATABASE $$scratch" >/dev/null 2>&1; then \
	  echo "PostgreSQL layer: scratch database $$scratch"; \
	  rc=0; TEST_PG_DATABASE_URL="$(TEST_POSTGRES_URL)/$$scratch" cargo test --features ssr $(RUST_TEST_ARGS) || rc=$$?; \
	  psql "$(TEST_POSTGRES_URL)/postgres" -qAtc "DROP DATABASE IF EXISTS $$scratch WITH (FORCE)" >/dev/null || true; \
	  exit $$rc; \
	elif [ -n "$${REQUIRE_POSTGRES:-}" ]; then \
	  echo "ERROR: PostgreSQL at $(TEST_POSTGRES_URL) does not answer, and REQUIRE_POSTGRES is set." >&2; exit 1; \
	else \
	  echo "************************************************************************"; \
	  echo "* SKIPPED: the PostgreSQL test layer. No server answers at            *"; \
	  echo "*   $(TEST_POSTGRES_URL)"; \
	  echo "* Set TEST_POSTGRES_URL, or REQUIRE_POSTGRES=1 to make this an error. *"; \
	  echo "************************************************************************"; \
	  cargo test --features ssr $(RUST_TEST_ARGS); \
	fi

## Browser tests (Playwright starts the built server on a scratch SQLite database). The server is
## the binary the integration tests build (same features as `cargo test`, so no second build).
test-e2e: bootstrap site test-bin
	cd end2end && npx playwright test

test-bin:
	cargo test --features ssr --no-run

## Benchmarks (release build): upload of a 50 MB package against a receive-and-discard baseline;
## the catalog at 10,000 extensions (pages against static HTML, search latency on both engines);
## event delivery (durable signed deliveries against a bare reqwest loop, both engines).
bench:
	cargo bench --features ssr --bench upload
	@for bench in catalog delivery; do \
	  scratch="kiket_bench_$$(date +%s)_$$$$"; \
	  if psql "$(TEST_POSTGRES_URL)/postgres" -qAtc "CREATE DATABASE $$scratch" >/dev/null 2>&1; then \
	    rc=0; BENCH_PG_URL="$(TEST_POSTGRES_URL)/$$scratch" cargo bench --features ssr --bench $$bench || rc=$$?; \
	    psql "$(TEST_POSTGRES_URL)/postgres" -qAtc "DROP DATABASE IF EXISTS $$scratch WITH (FORCE)" >/dev/null || true; \
	    [ $$rc = 0 ] || exit $$rc; \
	  else \
	    cargo bench --features ssr --bench $$bench; \
	  fi; \
	done

## Install the `kiket` CLI and the server binary on the PATH.
cli:
	cargo install --path . --features ssr --locked

## Live-reload development with cargo-leptos (installed on first use: it builds for ~25 minutes).
watch: tools npm
	@if [ "$$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $(CARGO_LEPTOS_VERSION)" ]; then \
	  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
	  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked --features no_downloads; \
	fi
	PATH="$$PWD/end2end/node_modules/.bin:$$PATH" cargo leptos watch

clean-site:
	rm -rf $(SITE)
