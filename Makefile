# Proctora: `make run` serves the console with a demo institute; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
WEB_WORKERS ?= 4
WEB_THREADS ?= 4

.PHONY: run test install install-test migrate translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(FLASK) db upgrade

# The web server and the delivery worker run side by side in the foreground; Ctrl-C stops both. The web
# server's worker notes how long each request waited, so that an overloaded server refuses the exam page's
# stale requests rather than queueing them (webapp/core/serving.py; bench/README.md has the measurements).
run: migrate
	$(FLASK) seed-demo --if-empty
	@echo "Proctora on http://$(HOST):$(PORT)/ (Ctrl-C stops the web server and the worker)"
	@trap 'kill 0' EXIT; \
	$(FLASK) worker & \
	$(BIN)/gunicorn --workers $(WEB_WORKERS) --threads $(WEB_THREADS) --worker-class webapp.core.serving.QueueTimedWorker \
	  --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# Honours TEST_DATABASE_URL (a PostgreSQL URL) to run the same suite on PostgreSQL.
test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

# New texts from the sources into every language's catalogues (translations/<language>/<area>.po), then
# compiled. The app compiles a changed catalogue itself when it starts, so `run` and `test` need no step.
translations: install
	$(FLASK) translations update
	$(FLASK) translations compile

clean:
	rm -rf $(VENV) .pytest_cache
