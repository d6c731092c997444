# Two commands for a fresh clone:  `make study`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv

.PHONY: study test lint typecheck pytest clean bench fuzz

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
	$(BIN)/pytest -m ""

test: lint typecheck pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_core.py

# The long fuzz run (the test suite runs a bounded one): FUZZ_FILES mutated files of every
# format TokenDeck reads and FUZZ_REQUESTS schemathesis requests; failures go to artifacts/fuzz/.
FUZZ_FILES ?= 10000
FUZZ_REQUESTS ?= 5000
fuzz: $(VENV)/.installed-dev
	nice -n 10 $(BIN)/python -m tests.fuzzing.run --files $(FUZZ_FILES) --requests $(FUZZ_REQUESTS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
