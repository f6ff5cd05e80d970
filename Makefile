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

.PHONY: install frontend run test test-frontend test-embedded test-scaled bench clean docs-modules docker-image

# the front end: npm ci when the lock file changed, vite build when a source changed
NODE_STAMP   := node_modules/.installed-stamp
FRONTEND_SRC := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html frontend/tsconfig.json vite.config.ts
FRONTEND_APP := frontend/dist/index.html

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[test]'
	# byte-compile once: with PYTHONDONTWRITEBYTECODE=1 uncompiled pandas/sklearn import ~3x slower
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $@

install: $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(FRONTEND_APP): $(NODE_STAMP) $(FRONTEND_SRC)
	npm run --silent build -- --logLevel warn

frontend: $(FRONTEND_APP)

run: install frontend
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap --host $(HOST) --port $(PORT)
	$(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

# the three passes at once, each printed whole when it ends (they share nothing: SQLite files and
# the in-memory layer against PostgreSQL and Redis db 0; the Celery tests' queues are their own).
# Each behaviour runs once against the backend that matters (tests/conftest.py says which pass runs
# which test): the wall is the slower pass, keep both well under 20 minutes on two cores
test:
	$(MAKE) --no-print-directory -j3 --keep-going --output-sync=target test-frontend test-embedded test-scaled

# the front end's type check and unit tests (vitest in jsdom). --testTimeout: vitest's 5 s default
# timed tests out (a 120-run list paged, 6.4 s) while the two suites share the two cores
test-frontend: $(NODE_STAMP)
	npm run --silent typecheck
	npm test --silent -- --testTimeout=30000

# embedded mode: SQLite and the in-memory channel layer; every test but those marked scaled_only
# (the Celery workers', several engine processes', the private PostgreSQL's, bench/load.py's).
# --tb=native: CPython 3.11.7 can crash ("AST constructor recursion depth mismatch") while pytest
# parses source to show a failure
test-embedded: install frontend
	env -u DATABASE_URL -u REDIS_URL GRAPHWRIGHT_TEST_PASS=embedded $(BIN)/pytest -q -p no:cacheprovider --tb=native

# scaled mode: the same suite on PostgreSQL and channels-redis, but what does not use the database,
# which runs once, above (tests/conftest.py; a test that needs the channel layer without a database
# is marked both_passes), and what is marked embedded_only: tests/e2e serve an embedded server of
# their own, and the docker target's tests exercise containers (their engine side is the local
# target's code). Subprocesses a test starts (Celery workers, engines, servers) reach pytest's test
# database (tests/conftest.py subprocess_db_env); the tests' Celery workers use
# GRAPHWRIGHT_TEST_REDIS_URL (default Redis db 1)
test-scaled: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) GRAPHWRIGHT_TEST_PASS=scaled $(BIN)/pytest -q -p no:cacheprovider \
		--tb=native --ignore=tests/e2e --ignore=tests/engine/test_docker_target.py \
		--ignore=tests/engine/test_faults_docker.py

# the engine in-process, then the HTTP + WebSocket interface at 10 to 10,000 nodes, embedded and
# scaled (the scaled pass flushes and uses the PostgreSQL database `root` and Redis db 1)
SCALE_PG_URL ?= postgres://postgres@127.0.0.1:5432/root
SCALE_REDIS  ?= redis://127.0.0.1:6379/1
# bench/load.py: 50 pipelines of 10 steps on 4 real Celery workers (its database is created and
# migrated if missing; each run adds a workspace of its own), beside a no-op Celery task's round trip
LOAD_PG_URL  ?= postgres://postgres@127.0.0.1:5432/gw_load
LOAD_REDIS   ?= redis://127.0.0.1:6379/5
bench: install frontend
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/scale.py --database-url $(SCALE_PG_URL) --redis-url $(SCALE_REDIS)
	$(BIN)/python bench/canvas.py
	$(BIN)/python bench/load.py --database-url $(LOAD_PG_URL) --redis-url $(LOAD_REDIS)

# docs/modules.md, the reference of the built-in modules, from their declarations (a test checks it)
docs-modules: install
	$(BIN)/python manage.py export_modules_doc

# the step image of the `docker` compute target, with no registry (config/docker/build-image.sh:
# debootstrap, docker import, the project's wheels); starts dockerd when none answers
docker-image: install
	PYTHON=$(BIN)/python config/docker/build-image.sh

clean:
	rm -rf var/work var/datastore/tmp
