# Spendgate — `make demo` and `make test` are the two commands (README.md).
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
DEVSTACK := $(BIN)/python scripts/devstack.py
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: demo test lint seed serve worker beat bench load mutants install lock clean format

# The virtualenv is reused while requirements.lock and pyproject.toml are unchanged.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(DEVSTACK) demo

test: install lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(DEVSTACK) run -- $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy apps config
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

seed: install
	$(DEVSTACK) run -- sh -c '$(BIN)/python manage.py migrate_schemas && $(BIN)/python manage.py seed_demo'

serve: install
	$(DEVSTACK) run -- $(BIN)/python manage.py runserver 0.0.0.0:8000

worker: install
	$(DEVSTACK) run -- $(BIN)/celery -A config worker -l info -Q celery,reports,matching

beat: install
	$(DEVSTACK) run -- $(BIN)/celery -A config beat -l info -s .data/celerybeat-schedule

bench: install
	DJANGO_SETTINGS_MODULE=config.settings.local $(DEVSTACK) run -- sh -c '$(BIN)/python manage.py migrate_schemas -v 0 && $(BIN)/python bench/provision.py && $(BIN)/python bench/submit.py && $(BIN)/python bench/matching.py && $(BIN)/python bench/duplicates.py && $(BIN)/python bench/evidence_pack.py'

# Load test against gunicorn with the production settings (docs/operations.md, "Load").
load: install
	$(DEVSTACK) run -- sh -c '$(BIN)/python manage.py migrate_schemas -v 0 && $(BIN)/python manage.py seed_demo && $(BIN)/python bench/load.py $(LOAD_ARGS)'

# Mutation testing of the control functions (docs/testing.md); prints the surviving mutants.
mutants: install
	rm -rf mutants
	DJANGO_SETTINGS_MODULE=config.settings.test $(DEVSTACK) run -- sh -c '$(BIN)/mutmut run >/dev/null 2>&1; $(BIN)/mutmut results | grep -v "no tests" || true'

lock:
	$(BIN)/pip install --quiet uv && $(BIN)/uv pip compile pyproject.toml --group dev --python-version 3.12 -o requirements.lock

clean:
	$(DEVSTACK) clean
