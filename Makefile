# mhrs_connector — the commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup run test lint bench soak scale prod-check clean

help:
	@echo "make run    start the MHRS simulator and Odoo (http://127.0.0.1:8069, admin/admin) with demo data"
	@echo "make test   fresh database, install the addon, run every test (simulator, addon, browser tour)"
	@echo "make lint   ruff + pylint-odoo"
	@echo "make bench  benchmarks with ratios against a baseline measured in the same run"
	@echo "make soak   1,000 MHRS operations with 30% failing calls, then 10 days of appointments with outages"
	@echo "make scale  companies on two multi-process Odoo servers, kill -9 mid-sync, sweep with 1/2/4 cron workers"
	@echo "make prod-check  Odoo started with --workers: websocket and cron workers up, MHRS jobs run"

setup:
	@bash scripts/setup.sh

run: setup
	@bash scripts/run.sh

test: setup
	@bash scripts/test.sh

lint: setup
	@bash scripts/lint.sh

bench: setup
	@bash scripts/bench.sh

soak: setup
	@bash scripts/soak.sh

scale: setup
	@bash scripts/scale.sh

prod-check: setup
	@bash scripts/scale.sh --check

clean:
	rm -rf .venv .odoo-data .odoo.conf .odoo-test.conf .install.log .simulator.log .simulator-state.json
