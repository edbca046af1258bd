# Sarnakh: `make run` installs and starts everything on the embedded default (SQLite,
# demo data, server up); `make test` runs the whole suite on SQLite and PostgreSQL.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SARNAKH_HOME ?= $(CURDIR)/.sarnakh
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
# `make run HOST=0.0.0.0 PORT=8130`: where the server listens. Without SARNAKH_BASE_URL, links,
# form pages and embed snippets point at this host and port (127.0.0.1 for 0.0.0.0).
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-postgres lint bench messages clean

$(BIN)/sarnakh: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/sarnakh

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

install: $(BIN)/sarnakh frontend/node_modules/.package-lock.json messages

messages: $(BIN)/sarnakh
	cd src/sarnakh && ../../$(BIN)/django-admin compilemessages --ignore=.venv -v 0

run: export SARNAKH_HOST = $(HOST)
run: export SARNAKH_PORT = $(PORT)
run: install
	$(BIN)/sarnakh init
	$(BIN)/sarnakh demo --if-empty
	$(BIN)/sarnakh serve --host $(HOST) --port $(PORT)

test: install
	bash scripts/check-services.sh
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports --no-logo
	bash scripts/run-suites.sh

test-sqlite:
	@echo "== test suite on SQLite =="
	SARNAKH_DATABASE_URL= SARNAKH_HOME=$(CURDIR)/.sarnakh-test $(BIN)/pytest

test-postgres:
	@echo "== test suite on PostgreSQL =="
	SARNAKH_DATABASE_URL=$(PG_TEST_URL) SARNAKH_HOME=$(CURDIR)/.sarnakh-test-pg $(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports --no-logo

clean:
	rm -rf $(VENV) frontend/node_modules .sarnakh-test .sarnakh-test-pg
