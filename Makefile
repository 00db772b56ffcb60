# The two set-up commands a fresh clone needs: `make demo` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= build/demo
# The chart cache: the verified upstream charts beside the repo when present (used in place),
# else the one `mgctl charts fetch` fills.
CHARTS ?= $(if $(wildcard ../shared/charts),../shared/charts,$(HOME)/.cache/mgctl/charts)

.PHONY: demo test lint typecheck bench drill e2e system-deps clean

$(STAMP): pyproject.toml auth-service/pyproject.toml scripts/install-system-deps.sh
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev,test-tools,lint-tools]' -e './auth-service[dev]'
	$(BIN)/mgctl tools install
	bash scripts/install-system-deps.sh
	touch $(STAMP)

demo: $(STAMP)
	test -d $(CHARTS) || $(BIN)/mgctl charts fetch --charts $(CHARTS)
	$(BIN)/mgctl render -c examples/mg/platform.yaml -o $(OUT) --force
	$(BIN)/mgctl validate $(OUT) -c examples/mg/platform.yaml --charts $(CHARTS)

test: $(STAMP) lint typecheck
	$(BIN)/pytest -n 2 --dist loadgroup tests auth-service/tests

lint: $(STAMP)
	$(BIN)/ruff check src tests auth-service bench
	$(BIN)/ruff format --check src tests auth-service bench
	PATH="$(CURDIR)/$(BIN):$$PATH" actionlint
	$(BIN)/zizmor --offline --quiet .github/workflows
	$(BIN)/check-jsonschema --builtin-schema vendor.renovate .github/renovate.json
	$(BIN)/hadolint $$(git ls-files --cached --others --exclude-standard -- '*Dockerfile*')

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --config-file auth-service/pyproject.toml auth-service/src auth-service/bench

bench: $(STAMP)
	$(BIN)/python bench/validate_bench.py
	$(BIN)/python auth-service/bench/verify_bench.py

drill: $(STAMP)
	$(BIN)/mgctl dr drill postgres -c examples/mg/platform.yaml --rows 200000

e2e: $(STAMP)
	bash scripts/e2e-k3d.sh

clean:
	rm -rf $(VENV) build
