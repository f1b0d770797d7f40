# Two commands do all the set-up on a fresh clone: `make run` and `make test`. They install the
# dependencies' newest releases within pyproject.toml's ranges; a deployment installs the exact,
# hash-checked versions of deploy/requirements.txt instead, which `make lock` regenerates.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

TOOLS := .venv-tools
LOCK := deploy/requirements.txt

.PHONY: run test quick lint bench clean lock

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install --quiet --upgrade pip
	@$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	@$(VENV)/bin/rehearse $(ARGS)

test: $(STAMP)
	@$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The everyday loop: everything but the tests marked slow (end-to-end over HTTP, subprocesses,
# drills, and the full counts of the three random-walk checks through the engine, of which it
# runs a fixed-seed sample: tests/sampled.py), spread over the cores by pytest-xdist.
# `make test` still runs everything. Measured with `time make quick` on the 2-core dev machine,
# shared with other jobs (load average 2-4): 36-37 s, against 69-123 s before the walks were
# sampled, the Bot API stub made to stop at once and OpenBLAS kept to one thread per worker.
quick: $(STAMP)
	@$(VENV)/bin/python -m pytest -q -m "not slow" -n auto $(PYTEST_ARGS)

lint: $(STAMP)
	@$(VENV)/bin/ruff check .

# pip-tools in a venv of its own resolves pyproject.toml's dependencies (and the setuptools that
# builds the project) from PyPI for this Python, pinned with every file's sha256.
lock:
	@test -x $(TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/python -m pip install --quiet pip-tools; }
	@PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= $(TOOLS)/bin/pip-compile --quiet --upgrade \
		--generate-hashes --allow-unsafe --strip-extras --build-deps-for=wheel \
		--no-emit-index-url --no-emit-find-links --output-file=$(LOCK) pyproject.toml
	@echo "wrote $(LOCK)"

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .hypothesis
