# Graphwright: `make run` serves the designer on http://127.0.0.1:8000; `make test` runs the suite.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
REDIS  ?= redis://127.0.0.1:6379/0
export PYTHONDONTWRITEBYTECODE

.PHONY: install run test test-embedded test-scaled bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[test]'
	# byte-compile once: with PYTHONDONTWRITEBYTECODE=1 uncompiled pandas/sklearn import ~3x slower
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap
	$(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

test: test-embedded test-scaled

# embedded mode: SQLite and the in-memory channel layer
test-embedded: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -q -p no:cacheprovider

# scaled mode: the same suite on PostgreSQL and channels-redis (tests/e2e serve an embedded
# server of their own, so they run once, above)
test-scaled: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) $(BIN)/pytest -q -p no:cacheprovider --ignore=tests/e2e

bench: install
	$(BIN)/python bench/engine.py

clean:
	rm -rf var/work var/datastore/tmp
