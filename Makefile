# Audience Warehouse: `make build` sets everything up, `make test` checks everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# The default dataset: how many people to simulate and the random seed.
CUSTOMERS ?= 20000
SEED ?= 42
# The extract's last day: today (UTC), so every source's newest loads are recent and `dbt source
# freshness` passes after make build (the generator spreads loads over the whole day, some later than
# now, within the var future_timestamp_tolerance_hours). END_DATE=2026-10-31 rebuilds a fixed extract.
END_DATE ?= $(shell date -u +%F)
RAW_DIR ?= data/raw
WAREHOUSE ?= audience.duckdb

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: help build data dbt-build report test test-spark lint lock clean cdnow retail bench

help:
	@echo "make build   create .venv, install pinned dependencies, generate the default dataset, dbt build"
	@echo "make test    install the test tools, then the whole test suite (dbt build + dbt tests on a small dataset, pytest, ruff)"
	@echo "make test-spark  the Spark + Delta Lake target checked against DuckDB, row for row (installs pyspark and Java 17)"
	@echo "make report  write the audience report of the warehouse: exports/audience_report.html (make build does too)"
	@echo "make data    regenerate the default dataset only (CUSTOMERS=$(CUSTOMERS) SEED=$(SEED) END_DATE=$(END_DATE))"
	@echo "make cdnow   build the project on the real CDNOW data into cdnow.duckdb (CLV validation)"
	@echo "make retail  build it on the UCI Online Retail log into retail.duckdb (recommendation hit@3)"
	@echo "make lock    re-pin requirements.lock and requirements-dev.lock from the current .venv"
	@echo "make bench   scale benchmark (default 1,000,000 customers) -> bench/results/"
	@echo "make clean   remove the warehouse, generated data and dbt artefacts"

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Test-only tools (the project's `dev` extra, pinned): only `make test` needs them; a real browser
# for the report's test (Debian's chromium, installed when there is none); and the oldest DuckDB the
# warehouse file must open in (the drivers BI tools ship), in a folder of its own beside the venv's.
OLDEST_DUCKDB ?= 1.4.2
$(BIN)/.dev-installed: $(BIN)/.installed requirements-dev.lock
	command -v chromium > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --target $(VENV)/duckdb-$(OLDEST_DUCKDB) duckdb==$(OLDEST_DUCKDB)
	touch $@

data: $(BIN)/.installed
	$(BIN)/python -m audience generate --customers $(CUSTOMERS) --seed $(SEED) --end-date $(END_DATE) --out $(RAW_DIR)

# dbt build into a working copy; the warehouse and exports/ are replaced only on success.
dbt-build: $(BIN)/.installed
	AUDIENCE_RAW_DIR=$(RAW_DIR) AUDIENCE_DUCKDB_PATH=$(WAREHOUSE) $(BIN)/python -m audience build
	@echo
	@echo "Warehouse ready: $(abspath $(WAREHOUSE))"
	@echo "Open it with:    $(BIN)/python -c \"import duckdb; duckdb.connect('$(WAREHOUSE)', read_only=True).sql('show all tables').show()\""

build: data dbt-build

# The audience report alone (publishing writes it with every build).
report: $(BIN)/.installed
	AUDIENCE_DUCKDB_PATH=$(WAREHOUSE) $(BIN)/python -m audience report

test: $(BIN)/.dev-installed lint
	$(BIN)/pytest -m "not spark"

# The Spark target's packages (pinned): only `make test-spark` needs them. Spark needs a Java runtime
# (17): Debian's, installed when there is none. Delta's jars come from Maven Central on first use.
$(BIN)/.spark-installed: $(BIN)/.dev-installed requirements-spark.lock
	command -v java > /dev/null || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
	$(BIN)/pip install --quiet -r requirements-spark.lock
	touch $@

# The project on Spark + Delta Lake against DuckDB (tests_py/test_spark.py).
test-spark: $(BIN)/.spark-installed
	$(BIN)/pytest -m spark

# The real CDNOW log, calibrated on its first 39 weeks as in Fader, Hardie & Lee (2005).
# The log ships with lifetimes, a dev dependency.
CDNOW_VARS := {as_of_date: "1997-09-30", earliest_plausible_date: "1990-01-01", zero_amount_orders_are_valid: true, btyd_purchase_period: day, btyd_time_unit: week, propensity_purchase_window_days: 91}
cdnow: $(BIN)/.dev-installed
	$(BIN)/python -m audience cdnow --out data/cdnow/raw
	AUDIENCE_RAW_DIR=data/cdnow/raw AUDIENCE_DUCKDB_PATH=cdnow.duckdb $(BIN)/dbt build --vars '$(CDNOW_VARS)'
	@$(BIN)/python -c "import duckdb; duckdb.connect('cdnow.duckdb', read_only=True).sql('select model, parameter, round(value, 3) as value, n_customers, round(log_likelihood, 1) as log_likelihood from marts.clv_model_parameters').show()"
	$(BIN)/python -m audience cdnow-propensity --warehouse cdnow.duckdb --raw data/cdnow/raw

retail: $(BIN)/.dev-installed
	$(BIN)/python -m audience retail --out data/retail/raw
	AUDIENCE_RAW_DIR=data/retail/raw AUDIENCE_DUCKDB_PATH=retail.duckdb $(BIN)/dbt build --vars '{as_of_date: "2011-09-09"}'
	$(BIN)/python -m audience retail-check --warehouse retail.duckdb

# Scale benchmark (not a test): BENCH_CUSTOMERS=100000 make bench for a quick one; BENCH_BASELINE=<git ref>
# also times the project as it was at that commit, on the same data (ratios in the report).
BENCH_CUSTOMERS ?= 1000000
BENCH_RUNS ?= 3
BENCH_DAYS ?= 0
BENCH_BASELINE ?=
bench: $(BIN)/.dev-installed
	$(BIN)/python bench/bench.py --customers $(BENCH_CUSTOMERS) --runs $(BENCH_RUNS) --days $(BENCH_DAYS) \
		$(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE))

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check src tests_py python_models bench

# The dev extra's packages and what only they need; everything else is runtime.
DEV_ONLY := Lifetimes|autograd|dill|pytest|iniconfig|pluggy|Pygments|ruff|duckdb_engine|SQLAlchemy
SPARK_ONLY := dbt-spark|delta-spark|py4j|pyspark|sqlparams
lock: $(BIN)/.spark-installed
	$(BIN)/pip freeze --exclude-editable | grep -v '^audience-warehouse' > .freeze.tmp
	{ echo "# Exact versions of what running the project needs, installed by 'make build' (regenerate with 'make lock')."; \
	  grep -Ev '^($(DEV_ONLY)|$(SPARK_ONLY))==' .freeze.tmp; } > requirements.lock
	{ echo "# Exact versions of the test-only tools 'make test' adds (pytest, ruff, the lifetimes reference, Superset's DuckDB driver); 'make lock'."; \
	  grep -E '^($(DEV_ONLY))==' .freeze.tmp; } > requirements-dev.lock
	{ head -2 requirements-spark.lock; grep -E '^($(SPARK_ONLY))==' .freeze.tmp; } > .spark.tmp && mv .spark.tmp requirements-spark.lock
	rm .freeze.tmp

clean:
	rm -rf target logs data exports .exports-* $(WAREHOUSE) $(basename $(WAREHOUSE)).building.duckdb* $(WAREHOUSE).wal $(WAREHOUSE).tmp cdnow.duckdb retail.duckdb .pytest_cache
