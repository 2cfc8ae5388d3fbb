# Broadcaster: `make demo` to see it work, `make test` to check it.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench system-run system-test venv clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: $(STAMP)

system-run:
	@bash scripts/install-system.sh run

system-test:
	@bash scripts/install-system.sh test
	@bash scripts/ensure-postgres.sh
	@bash scripts/check-components.sh

demo: system-run $(STAMP)
	$(VENV)/bin/broadcaster demo

lint: $(STAMP)
	$(VENV)/bin/ruff check broadcaster tests bench
	$(VENV)/bin/mypy

test: system-test $(STAMP) lint
	$(VENV)/bin/pytest -q -ra --all-tiers

bench: system-test $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
