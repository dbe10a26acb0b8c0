# distill: two commands on a fresh machine.
#   make run    install, then run the main job on its built-in default
#   make test   install, then lint, type-check, build the docs strictly and run the tests
#
# The virtual environment is pinned by constraints.txt (torch==2.13.0 takes the CPU
# wheel); pyproject.toml keeps normal ranges for users who `pip install distill`. The test
# environment includes the optional [ray] extra, so the Ray tests run (tests/test_ray.py).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_ARGS ?=

.PHONY: install run test lint typecheck docs pytest system-deps clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,ray]'
	touch $@

# GNU Go is the Go rules referee in the tests (Debian package; binary /usr/games/gnugo).
system-deps:
	@if [ ! -x /usr/games/gnugo ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && apt-get install -y -qq gnugo) >/dev/null; \
	  else echo "note: GNU Go missing (apt-get install gnugo); its tests will be skipped"; fi; \
	fi
	@# Sabaki's own GTP library drives `distill gtp` in tests/test_gtp_sabaki.py (npm registry)
	@if [ ! -d .sabaki/node_modules/@sabaki/gtp ]; then \
	  if command -v npm >/dev/null; then \
	    npm install --silent --no-save --prefix .sabaki @sabaki/gtp@3.0.0 >/dev/null 2>&1 \
	      || echo "note: npm could not install @sabaki/gtp; its test will be skipped"; \
	  else echo "note: Node.js/npm missing; the Sabaki GTP test will be skipped"; fi; \
	fi

run: install
	$(BIN)/distill train recipes/connect4.yaml $(RUN_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

pytest: install system-deps
	$(BIN)/pytest -n 2 --dist loadfile

test: lint typecheck docs pytest

clean:
	rm -rf $(VENV) site .mypy_cache .ruff_cache .pytest_cache
