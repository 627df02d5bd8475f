# Quick start: `make run` (fresh machine to a running service with demo data) and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo lint services-test benchmark worker beat clean messages

# Reinstall when the dependencies change; the stamp keeps `make run` fast the second time.
$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "Family Tracing Service on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo "Log in with one of the demo logins printed above (for example nl-caseworker)."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite: migrations in step with the models, lint, tests on two processes.
# Exit code 5 (no test collected) counts as a failure, like any other.
test: install
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=settings.test
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Only the tests that need PostgreSQL, Redis and a Celery worker (see README).
services-test: install
	TRACING_REQUIRE_SERVICES=1 $(BIN)/pytest -m services -p no:xdist $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Celery with a broker (CELERY_BROKER_URL set): a worker and the beat scheduler.
worker: install
	$(BIN)/celery -A tracing worker -l info

beat: install
	$(BIN)/celery -A tracing beat -l info --schedule var/celerybeat-schedule

benchmark: install
	$(BIN)/python benchmarks/case_pages.py

messages: install
	$(BIN)/python manage.py makemessages -l nl -l fr -l ar --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/test-media var/static
