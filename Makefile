# tredjepart: see README.md. Every target creates the virtual environment when it is missing.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080
DB ?= tredjepart.sqlite
POLICY ?=

.PHONY: venv run test test-fast bench bench-quick bench-tools report demo coverage-lists docs clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,crawl]'
	@touch $@

run: venv
	@echo "tredjepart: proxy on port $(PORT), database $(DB)$(if $(POLICY),, (no policy: a session's first page decides its first party))"
	@echo "  Point the device's HTTP and HTTPS proxy at this machine's address, port $(PORT), log in with the"
	@echo "  password printed below, then open http://mitm.it on the device to install mitmproxy's CA certificate."
	@echo "  Session control page (from the device): http://tredjepart.proxy/"
	@echo "  With a policy: make run POLICY=policies/example-portal.yaml"
	$(VENV)/bin/tredjepart proxy $(if $(POLICY),--policy $(POLICY)) --db $(DB) --port $(PORT)

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv
	$(PY) -m pytest -m "not e2e and not browser" $(PYTEST_ARGS)

# The benchmark (see README, "Benchmarks"): 15-30 minutes on 2 cores; BENCH_ARGS for options (--help);
# BENCH_QUICK=1 (or make bench-quick) for a short run of about 3 minutes.
# It needs wrk (Debian: apt-get install -y wrk) and profiles with py-spy, installed into the venv for it alone.
bench: venv bench-tools
	$(PY) bench/run.py $(BENCH_ARGS)

bench-quick: venv bench-tools
	$(PY) bench/run.py --quick $(BENCH_ARGS)

bench-tools:
	@command -v wrk >/dev/null || echo "bench: wrk is missing (Debian: apt-get install -y wrk); live figures are skipped"
	@test -x $(VENV)/bin/py-spy || $(PY) -m pip install --quiet py-spy || echo "bench: py-spy not installed; cProfile instead"

report: venv
	$(PY) scripts/make-report.py

demo: venv
	$(VENV)/bin/tredjepart demo

docs: venv
	$(PY) -m tredjepart.cli.reference > docs/cli.md

coverage-lists: venv
	$(PY) scripts/coverage-lists.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache
