# Two commands for a new machine: `make run` (demo on SQLite) and `make test` (suite on PostgreSQL).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/povertyplan
BENCH_DATABASE ?= povertyplan_bench
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DATABASE)
HOST ?= 127.0.0.1:8000

.PHONY: install browser run demo-data demo-check test postgres check bench loadtest backup restore replica replica-stop clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# The browser journeys drive Debian's chromium through Playwright; Playwright never downloads one.
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser journeys"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }

demo-data: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_units
	$(PY) manage.py load_cascade
	$(PY) manage.py load_groups
	$(PY) manage.py load_quality_rules
	$(PY) manage.py load_reporting_data
	$(PY) manage.py create_demo_users
	$(PY) manage.py generate_register --demo
	$(PY) manage.py generate_illustrative_actuals --if-empty
	$(PY) manage.py refresh_obligations

# Served with DEBUG off (DEMO=1: plain http, static files from their folders), so a missing page or
# an error shows the project's own 404/500 pages; the demo data is made with DEBUG on (demo users).
DEMO_HOSTS = 127.0.0.1,localhost,$(firstword $(subst :, ,$(HOST)))
# A job-queue worker (large imports and exports, recomputes) runs beside the server and stops with it.
run: demo-data
	@DEBUG=0 DEMO=1 $(PY) manage.py db_worker --no-reload & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  DEBUG=0 DEMO=1 ALLOWED_HOSTS=$${ALLOWED_HOSTS:-$(DEMO_HOSTS)} $(PY) manage.py runserver $(HOST)

# The crawl of tests/test_crawl.py once on SQLite, against the demo database exactly as `make run`
# builds it, in a throwaway folder (./db.sqlite3 is left alone): SQLite is what a newcomer runs.
demo-check: install
	@dir=$$(mktemp -d /tmp/povertyplan-demo-check.XXXXXX) && trap 'rm -rf "$$dir"' EXIT && \
	  export DATABASE_URL="sqlite:///$$dir/db.sqlite3" MEDIA_ROOT="$$dir/media" DEBUG=1 && \
	  $(MAKE) --no-print-directory demo-data >"$$dir/demo-data.log" 2>&1 || { cat "$$dir/demo-data.log"; exit 1; }; \
	  DEBUG=0 DEMO=1 CRAWL_EXISTING_DATABASE=1 $(PY) -m pytest tests/test_crawl.py -q $(PYTEST_ARGS)

# PostgreSQL 15 runs on these machines; start the cluster if it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect 15 main start
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
	  echo "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1

test: install postgres browser
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest --create-db $(PYTEST_ARGS)

check: install
	$(PY) manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-secret-value ALLOWED_HOSTS=povertyplan.example \
	  $(PY) manage.py check --deploy --fail-level WARNING

# Benchmarks on PostgreSQL with national-scale generated data; prints BENCH <name> <value> <unit> lines.
bench: install postgres
	@psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='$(BENCH_DATABASE)'" | grep -q 1 \
	  || createdb -h 127.0.0.1 -U postgres $(BENCH_DATABASE)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench $(BENCH)

# Load against gunicorn on the benchmark database: officers saving figures, leaders reading dashboards.
LOADTEST_ARGS ?=
loadtest: install postgres
	@psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='$(BENCH_DATABASE)'" | grep -q 1 \
	  || createdb -h 127.0.0.1 -U postgres $(BENCH_DATABASE)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.loadtest $(LOADTEST_ARGS)

# A streaming read replica of the local cluster (pg_basebackup -R) on 127.0.0.1:$(REPLICA_PORT), for
# trying REPLICA_DATABASE_URL; `make replica-stop` stops it and drops its replication slot.
REPLICA_DIR ?= /tmp/povertyplan-replica
REPLICA_PORT ?= 5433
REPLICA_SLOT ?= povertyplan_replica
replica: postgres
	sh scripts/pg_replica.sh start $(REPLICA_DIR) $(REPLICA_PORT) $(REPLICA_SLOT)
	@echo "REPLICA_DATABASE_URL=postgres://postgres@127.0.0.1:$(REPLICA_PORT)/<the primary's database name>"

replica-stop:
	sh scripts/pg_replica.sh stop $(REPLICA_DIR) $(REPLICA_SLOT)

# Backups of a PostgreSQL database (DATABASE_URL): custom-format pg_dump, restorable with `make restore`.
BACKUP_DIR ?= backups
backup:
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make backup needs DATABASE_URL=postgres://..."; exit 1;; esac
	mkdir -p $(BACKUP_DIR)
	pg_dump --format=custom --no-owner --file=$${BACKUP_FILE:-$(BACKUP_DIR)/povertyplan-$$(date +%Y%m%d-%H%M%S).dump} "$$DATABASE_URL"
	@echo "Đã sao lưu vào $${BACKUP_FILE:-$(BACKUP_DIR)/}"

# make restore BACKUP_FILE=backups/povertyplan-....dump DATABASE_URL=postgres://.../target
restore:
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make restore needs DATABASE_URL=postgres://..."; exit 1;; esac
	@test -n "$$BACKUP_FILE" || { echo "make restore needs BACKUP_FILE=..."; exit 1; }
	pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction --dbname="$$DATABASE_URL" "$$BACKUP_FILE"

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
