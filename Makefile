# Two commands a newcomer needs: `make run` and `make test`. Both bootstrap what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test bench chaos bootstrap migrate lint clean

bootstrap: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: bootstrap
	$(PY) -m app.cli run

test: bootstrap
	$(PY) -m pytest $(PYTEST_ARGS)

# About ten minutes: the hot paths under load against reference apps (BENCH_DATABASE_URL adds PostgreSQL).
bench: bootstrap
	$(PY) -m bench.run $(BENCH_ARGS)

# A few minutes per engine: hold races, kill -9 during holds and payments, a locked SQLite database,
# checked afterwards (CHAOS_DATABASE_URL adds PostgreSQL; CHAOS_ARGS=--short is what CI runs).
chaos: bootstrap
	$(PY) -m bench.chaos $(CHAOS_ARGS)

migrate: bootstrap
	$(PY) -m app.cli migrate

# ruff, then the import contract in pyproject.toml (floors, routes, tables, pure rules, stripe).
lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) node_modules .pytest_cache
