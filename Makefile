# Two commands for a fresh clone:  `make study`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv

.PHONY: study test lint typecheck pytest clean bench

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# Runtime install (what `make study` needs).
# Bytecode is compiled at install time: where PYTHONDONTWRITEBYTECODE is set,
# nothing would cache it and every start would recompile every module.
$(VENV)/.installed: pyproject.toml | $(UV)
	$(UV) pip install --quiet --compile-bytecode -p $(BIN)/python -e .
	$(BIN)/python -m compileall -q tokendeck
	touch $@

# Everything the test suite needs, including system packages where we are root.
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(UV) pip install --quiet --compile-bytecode -p $(BIN)/python -e '.[dev]'
	touch $@

study: $(VENV)/.installed
	$(BIN)/tokendeck study

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check tokendeck tests benchmarks
	$(BIN)/ruff format --check tokendeck tests benchmarks
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	bash scripts/setup-browser.sh
	bash scripts/setup-postgres.sh
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_core.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
