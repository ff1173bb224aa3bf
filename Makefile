# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := .venv/.synced
#: What `make run` needs: the runtime dependencies alone, no test or lint tools.
RUNTIME := .venv/.runtime
PY := .venv/bin/python

.PHONY: run test lint fmt bench api worker services migrate revision seed compose-up install \
	openapi openapi-check vendor-assets citus test-citus

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@ $(RUNTIME)

# --inexact: a venv that already holds the dev tools (after `make test`) keeps them.
$(RUNTIME): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-dev --inexact
	@touch $@

install: $(VENV)

run: $(RUNTIME) ## API + worker on embedded PostgreSQL and Redis (or DATABASE_URL/REDIS_URL), demo data
	.venv/bin/smm dev

test: $(VENV) ## the whole suite against real PostgreSQL and Redis
	.venv/bin/pytest

# The console's JavaScript (services/api/console) is linted by ESLint, from its lock.
CONSOLE_TOOLS := tools/console

$(CONSOLE_TOOLS)/node_modules/.installed: $(CONSOLE_TOOLS)/package.json $(CONSOLE_TOOLS)/package-lock.json
	npm ci --prefix $(CONSOLE_TOOLS)
	@touch $@

lint: $(VENV) $(CONSOLE_TOOLS)/node_modules/.installed
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	$(CONSOLE_TOOLS)/node_modules/.bin/eslint --max-warnings 0 --config $(CONSOLE_TOOLS)/eslint.config.js services/api/console

fmt: $(VENV)
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: $(VENV) ## benchmarks: bench/results.json and bench/results.md
	.venv/bin/smm bench

api: $(VENV)
	.venv/bin/smm api

worker: $(VENV)
	.venv/bin/smm worker

services: $(VENV) ## embedded PostgreSQL and Redis alone, for `make api` / `make worker`
	.venv/bin/smm services

migrate: $(VENV)
	.venv/bin/smm migrate

seed: $(VENV)
	.venv/bin/smm seed

revision: $(VENV) ## make revision m="add webhooks"
	.venv/bin/alembic revision --autogenerate -m "$(m)"

compose-up:
	docker compose up --build

# The OpenAPI document is committed (docs/openapi.json) for client generators; a test
# fails when the app's document drifts from it.
openapi: $(VENV) ## rewrite docs/openapi.json from the app
	$(PY) -m services.api.openapi_document docs/openapi.json

OPENAPI_TOOLS := tools/openapi

$(OPENAPI_TOOLS)/node_modules/.installed: $(OPENAPI_TOOLS)/package.json $(OPENAPI_TOOLS)/package-lock.json
	npm ci --prefix $(OPENAPI_TOOLS)
	@touch $@

openapi-check: $(OPENAPI_TOOLS)/node_modules/.installed ## lint docs/openapi.json (Redocly), generate and type-check TypeScript types from it
	$(OPENAPI_TOOLS)/node_modules/.bin/redocly lint --config $(OPENAPI_TOOLS)/redocly.yaml docs/openapi.json
	$(OPENAPI_TOOLS)/node_modules/.bin/openapi-typescript docs/openapi.json -o $(OPENAPI_TOOLS)/build/openapi.d.ts
	$(OPENAPI_TOOLS)/node_modules/.bin/tsc --noEmit --strict $(OPENAPI_TOOLS)/build/openapi.d.ts

# Swagger UI's, ReDoc's and ECharts' files, vendored from their npm packages (services/api/vendor,
# manifest.json says which versions and files). Again at the pinned versions, or updated:
# make vendor-assets SWAGGER_UI=5.36.0 REDOC=2.5.5 ECHARTS=6.1.0
vendor-assets: ## re-vendor the /docs, /redoc and /console assets (needs npm and the network)
	python3 tools/vendor_assets.py $(if $(SWAGGER_UI),--swagger-ui-dist $(SWAGGER_UI)) $(if $(REDOC),--redoc $(REDOC)) $(if $(ECHARTS),--echarts $(ECHARTS))

citus: ## build the pinned Citus (third_party/citus) into .tools/citus, cached (issue 22; apt as root)
	tools/citus/build.sh

# The suites that read and write data, and tests/citus (only collected here), against a
# fresh Citus cluster with the schema distributed (tools/citus/cluster.sh). Tests that make
# databases of their own (test_migrations.py, workspaces/test_language.py, api/test_ops.py,
# test_distribution_rules.py, the CLI's) are not run here: new databases are not Citus's.
CITUS_SUITES := tests/citus tests/metrics tests/kpis tests/listening tests/crisis \
	tests/attribution tests/segments tests/webhooks tests/audiences tests/campaigns \
	tests/content tests/events tests/worker tests/platforms \
	tests/test_many_processes.py tests/test_distributable_schema.py
CITUS_URL := postgresql://postgres@127.0.0.1:$(or $(CITUS_PORT),55432)/smm_test

test-citus: $(VENV) citus ## the data suites against a local Citus cluster, schema distributed (issue 22)
	trap 'tools/citus/cluster.sh stop' EXIT; tools/citus/cluster.sh start && \
	TEST_DATABASE_URL=$(CITUS_URL) DATABASE_DISTRIBUTION=citus \
		.venv/bin/pytest -m "not not_citus" $(CITUS_SUITES)
