# tredjepart: see README.md. Every target creates the virtual environment when it is missing.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080
DB ?= tredjepart.sqlite
POLICY ?=

.PHONY: venv run test test-fast bench report demo coverage-lists docs clean

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

bench: venv
	$(PY) bench/throughput.py

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
