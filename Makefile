# jalin — the two commands: `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
export RUST_BACKTRACE ?= 1

.PHONY: run test build openapi rules conformance bench fmt lint ci clean

## Start the server on 127.0.0.1:8080 with SQLite at ./data/jalin.db (created and migrated).
run:
	$(CARGO) run --release --bin jalin -- serve

## Run every test: unit tests, CLI tests, and the black-box HTTP suite on SQLite — and on
## PostgreSQL when JALIN_TEST_POSTGRES_URL is set (CI sets it; CI=true makes it mandatory).
test:
	@if [ -z "$$JALIN_TEST_POSTGRES_URL" ]; then \
	  echo "NOTE: JALIN_TEST_POSTGRES_URL is not set: the PostgreSQL half of the HTTP suite is SKIPPED."; \
	  echo "      Run it with: JALIN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test make test"; \
	fi
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

build:
	$(CARGO) build --workspace --all-targets

## Regenerate the committed contract openapi/openapi.json from the code.
openapi:
	$(CARGO) run --quiet --bin jalin -- openapi --output openapi/openapi.json
	@echo "openapi/openapi.json regenerated; review 'git diff openapi/openapi.json'"

## Regenerate docs/rules.md (the rules R1–R24 with their sources) from the rule registry.
rules:
	$(CARGO) run --quiet -p jalin-domain --example rules > docs/rules.md

## Schemathesis, generated TypeScript and Python clients against a live server, Redocly and Spectral lint, the breaking-change guard.
conformance:
	bash openapi/conformance/run.sh

## Benchmarks (BENCHMARKS.md): release build, national dataset, wrk at 64 connections.
bench:
	bash bench/run.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## What CI runs.
ci:
	bash .ci/run

clean:
	$(CARGO) clean
	rm -rf data
