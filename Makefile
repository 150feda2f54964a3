# Spendgate — `make demo` and `make test` are the two commands (README.md).
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
DEVSTACK := $(BIN)/python scripts/devstack.py
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: messages idp demo test lint screenshots seed serve worker beat erp-simulate bank-notification bench bench-tenants load readme-check mutants mutants-db install lock clean format

# The virtualenv is reused while requirements.lock and pyproject.toml are unchanged.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Translation catalogs: compiled from the committed .po files (GNU gettext's msgfmt), never
# committed themselves; recompiled when a catalog changes.
PO := $(wildcard locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)
$(MO) &: $(PO) | $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=.data --ignore=tools -v 0

install: $(STAMP) $(MO)

# After marking new strings: bring every catalog up to date, then translate what is new
# (tests/test_catalogs.py fails while any entry is untranslated or fuzzy).
messages: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemessages -l de -l fr -l es --no-obsolete --ignore=.venv --ignore=.data --ignore=tests --ignore=tools --ignore=bench --ignore=docs --ignore=mutants

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

# The page gallery: every page of every role at 1366 and 375 px, as PNGs under .data/screenshots/
# (tests/browser/gallery.py walks the pages; the same walk's checks fail on overflow, words
# broken in a table cell, or a page without a heading).
screenshots: install
	rm -rf .data/screenshots
	SPENDGATE_SCREENSHOTS=$(CURDIR)/.data/screenshots DJANGO_SETTINGS_MODULE=config.settings.test $(DEVSTACK) run -- $(BIN)/pytest -q -m browser tests/browser/test_layout.py tests/browser/test_components.py; \
	status=$$?; echo "screenshots: $$(find .data/screenshots -name '*.png' | wc -l) pages in .data/screenshots/"; exit $$status

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

seed: install
	$(DEVSTACK) run -- sh -c '$(BIN)/python manage.py migrate_schemas && $(BIN)/python manage.py seed_demo'

serve: install
	$(DEVSTACK) run -- $(BIN)/python manage.py runserver $${HOST:-127.0.0.1}:$${PORT:-8000}

# without -Q a worker consumes every queue (CELERY_TASK_QUEUES, config/queues.py)
worker: install
	$(DEVSTACK) run -- $(BIN)/celery -A config worker -l info

beat: install
	$(DEVSTACK) run -- $(BIN)/celery -A config beat -l info -s .data/celerybeat-schedule

# A local test identity provider for SSO (docs/identity.md): OIDC and SAML on 127.0.0.1:9100
# with demo users (sso.buyer@acme.example in group `buyers`, …); IDP_ARGS="--config users.json"
idp: install
	$(BIN)/python tools/idp/run.py --port $${IDP_PORT:-9100} $(IDP_ARGS)

# Play an ERP against the running demo (docs/integrations.md), e.g.
# make erp-simulate ARGS="payment.executed --tenant acme --secret whsec_… --invoice INV-7006"
erp-simulate: install
	$(DEVSTACK) run -- $(BIN)/python manage.py erp_simulate $(ARGS)

# The camt.054 a bank would send back for a released run (docs/invoices.md, "Bank statements"), e.g.
# make bank-notification ARGS="--tenant acme PAY-000002 --output camt054.xml"
bank-notification: install
	$(DEVSTACK) run -- $(BIN)/python manage.py bank_notification $(ARGS)

# INSIGHTS_ARGS="--scale 0.05": insights over a twentieth of issue 31's data set (a quick run)
bench: install
	rm -f .data/bench-aims.jsonl
	BENCH_AIMS_FILE=$(CURDIR)/.data/bench-aims.jsonl DJANGO_SETTINGS_MODULE=config.settings.local $(DEVSTACK) run -- sh -c '$(BIN)/python manage.py migrate_schemas -v 0 && $(BIN)/python bench/provision.py && $(BIN)/python bench/submit.py && $(BIN)/python bench/matching.py && $(BIN)/python bench/audit_writers.py && $(BIN)/python bench/duplicates.py && $(BIN)/python bench/evidence_pack.py && $(BIN)/python bench/webhooks.py && $(BIN)/python bench/insights.py $(INSIGHTS_ARGS) && $(BIN)/python bench/ai_quality.py'
	$(BIN)/python bench/aims.py .data/bench-aims.jsonl

# Many client tenants on one machine (docs/scale.md, "Measured"): 1,000 by default, an hour or
# more; TENANTS_ARGS="--tenants 100" for a shorter run
bench-tenants: install
	rm -f .data/bench-tenants-aims.jsonl
	BENCH_AIMS_FILE=$(CURDIR)/.data/bench-tenants-aims.jsonl DJANGO_SETTINGS_MODULE=config.settings.local $(DEVSTACK) run -- sh -c '$(BIN)/python manage.py migrate_schemas -v 0 && $(BIN)/python bench/tenants.py $(TENANTS_ARGS)'
	$(BIN)/python bench/aims.py .data/bench-tenants-aims.jsonl

# Load test against gunicorn with the production settings (docs/operations.md, "Load").
load: install
	$(DEVSTACK) run -- sh -c '$(BIN)/python manage.py migrate_schemas -v 0 && $(BIN)/python manage.py seed_demo && $(BIN)/python bench/load.py $(LOAD_ARGS)'

# Every README command, as written, against a running demo (scripts/readme_check.py).
readme-check: install
	$(BIN)/python scripts/readme_check.py

# Mutation testing of the control functions (docs/testing.md); prints the surviving mutants.
PURE_CONTROLS := "apps.audit.chain.x_canonical_json*" "apps.audit.chain.x_canonical_at*" "apps.audit.chain.x_chain_hash*" "apps.audit.chain.x_at_text*" "apps.audit.services.x_actor_label*" "apps.api.boundary.x_json_refusal*" "apps.api.boundary.x__has_nul*" "apps.accounts.identity.x_normalised_identity*" "apps.accounts.lockout.x_lockout_username*" "apps.accounts.lockout.x__posted*" "apps.payments.bank_days.*" "apps.invoices.duplicates.x_number_key*" "apps.sanctions.matching.x_normalize*" "apps.suppliers.validation.x_check_tax_id*" "apps.suppliers.validation.x_tax_module*" "apps.suppliers.validation.x_check_bank_details*" "apps.suppliers.secrets.x_fingerprint*" "apps.suppliers.secrets.x__fingerprint_key*"
WIDEN := apps.matching.lines=tests/invoices/test_matching.py,tests/invoices/test_line_results.py,tests/invoices/test_line_linking.py
DB_CONTROLS := "apps.workflow.services.x__check_sod*" "apps.payments.services.runs.x__sod_conflicts*" "apps.payments.services.runs.x_payment_run_release*" "apps.organization.services.x_budget_commit*" "apps.suppliers.services.access.x_*" "apps.suppliers.services.banking.x_bank_account_sharing_clear*" "apps.suppliers.services.banking.x__same_account_elsewhere*" "apps.suppliers.services.banking.x_bank_account_approve*" "apps.suppliers.services.banking.x_bank_account_record_callback*" "apps.invoices.rules.x_may_read_invoices*" "apps.invoices.rules.x_may_work*" "apps.invoices.rules.x_variance_authority*" "apps.invoices.selectors.x_invoices_visible_to*" "apps.invoices.selectors.x_queues_of*" "apps.invoices.selectors.x_exceptions_visible_to*" "apps.integrations.idempotency.*" "apps.matching.lines.*" "apps.invoices.duplicates.x_find_duplicate*" "apps.invoices.duplicates.x__layers*" "apps.suppliers.uploads.*"
mutants: install
	rm -rf mutants
	DJANGO_SETTINGS_MODULE=config.settings.test SPENDGATE_KEEP_TEST_DB=1 $(DEVSTACK) run -- sh -c 'mkdir -p .data && $(BIN)/mutmut run $(PURE_CONTROLS) >.data/mutmut.log 2>&1 || { tail -20 .data/mutmut.log; exit 1; }; $(BIN)/mutmut results | grep survived || true'

mutants-db: install
	rm -rf mutants
	# first pass: generate the mutants and collect which tests reach each function, mutating
	# nothing (the filter matches no mutant); then matching's tests are added to every matching
	# function (its work runs in a worker, beyond mutmut's per-test tracing), then the run
	DJANGO_SETTINGS_MODULE=config.settings.test SPENDGATE_KEEP_TEST_DB=1 $(DEVSTACK) run -- sh -c '$(BIN)/mutmut run "apps.none.x_none*" >/dev/null 2>&1; $(BIN)/python scripts/mutants_widen.py $(WIDEN) && { mkdir -p .data && $(BIN)/mutmut run $(DB_CONTROLS) >.data/mutmut.log 2>&1 || { tail -20 .data/mutmut.log; exit 1; }; }; $(BIN)/mutmut results | grep survived || true'

lock:
	$(BIN)/pip install --quiet uv && $(BIN)/uv pip compile pyproject.toml --group dev --python-version 3.12 -o requirements.lock

clean:
	$(DEVSTACK) clean
