# e-funcționar — two commands for users (`make run`, `make test`), a few for maintainers.
# Ports and paths live here, in one place; override any of them on the command line,
# e.g. `make run RASA_PORT=5006 ACTIONS_PORT=5056`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST         ?= 127.0.0.1
RASA_PORT    ?= 5005
ACTIONS_PORT ?= 5055
VENV         ?= .venv
# Test files run on this many pytest workers (pytest-xdist, one file per worker at a time:
# a file's servers start once); TEST_WORKERS=0 runs them in this process, one by one.
TEST_WORKERS ?= 3
MODEL_DIR    ?= models
MODEL        := $(MODEL_DIR)/e-functionar.tar.gz

PY    := $(VENV)/bin/python
RASA  := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed

export HOST RASA_PORT ACTIONS_PORT
# Rasa prints a telemetry prompt and would try to reach the network otherwise.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

TRAINING_INPUTS := config.yml $(shell find domain data -name '*.yml' 2>/dev/null) \
                   $(shell find nlu_ro -name '*.py' 2>/dev/null)

.PHONY: help run test eval bench clean lock catalog clerk model

help:
	@echo "make run   - set up and start the assistant on $(HOST) (Ctrl-C stops it)"
	@echo "make test  - set up and run every test (what CI runs)"
	@echo "make eval  - full NLU report on the held-out set (per intent, confusion)"
	@echo "make bench - speed benchmark against stock Rasa (see bench/README.md)"

# --- setup -------------------------------------------------------------------

$(STAMP): requirements.txt constraints.txt
	@py=$$(scripts/find-python310) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip check
	@touch $@

# `python -m rasa_patches train` is `rasa train` (same options, same model) with some costs
# of a cold training removed (rasa_patches/cli.py).
$(MODEL): $(STAMP) $(TRAINING_INPUTS)
	@mkdir -p $(MODEL_DIR) var
	$(PY) -m rasa_patches train --config config.yml --domain domain --data data \
	  --out $(MODEL_DIR) --fixed-model-name e-functionar
	@touch $@

model: $(MODEL)

# --- the two commands ----------------------------------------------------------

# Without SEAL_* settings, `make run` seals the online forms (/formulare/<id>) with the TEST
# seal of `make seal-dev` (var/seal/, made once; scripts/run-assistant reads it). Set
# SEAL_KEY and SEAL_CERT to use a real seal instead.
run: $(MODEL) $(if $(SEAL_KEY),,var/seal/seal.env)
	@scripts/run-assistant

var/seal/seal.env: | $(STAMP)
	$(PY) -m forms_catalog seal-dev

test: $(MODEL) pdfjs
	# The code itself: the layers between packages (pyproject.toml), lint and format, types.
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m tests.nlu.quality_gate --copies-only
	$(RASA) data validate --config config.yml --domain domain --data data --fail-on-warnings
	$(PY) -m forms_catalog check
	$(PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)
	# --e2e: the stories' messages go through the NLU too, not only their labelled intents.
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors \
	  --e2e --out var/results/core
	$(PY) -m tests.nlu.quality_gate --model $(MODEL)

# --- maintainers ---------------------------------------------------------------

eval: $(MODEL)
	$(RASA) test nlu --model $(MODEL) --nlu tests/nlu/heldout.yml --out var/results/nlu
	$(PY) -m tests.nlu.quality_gate --model $(MODEL) --report

catalog: $(STAMP)
	$(PY) -m forms_catalog nlu
	$(PY) -m forms_catalog pdfs

# pdf.js (Firefox's PDF viewer) for tests/forms_catalog/test_pdf_viewers.py, from its lock file.
PDFJS_DIR := tests/forms_catalog/pdfjs
.PHONY: pdfjs
pdfjs: $(PDFJS_DIR)/node_modules/.package-lock.json

$(PDFJS_DIR)/node_modules/.package-lock.json: $(PDFJS_DIR)/package.json $(PDFJS_DIR)/package-lock.json
	npm ci --prefix $(PDFJS_DIR) --omit=optional --no-audit --no-fund
	@touch $@

bench: $(STAMP)
	$(PY) bench/assistant_speed.py

clerk: $(STAMP)
	@test -n "$(USERNAME)" || { echo 'usage: make clerk USERNAME=ana.popescu NAME="Ana Popescu"'; exit 2; }
	$(PY) -m livechat create-clerk "$(USERNAME)" --name "$(NAME)"

lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(MODEL_DIR) var .pytest_cache

# A TEST CA and seal certificate for development under var/seal/ (never committed);
# then `set -a; . var/seal/seal.env; set +a`. FORCE=1 replaces an existing one.
.PHONY: seal-dev
seal-dev: $(STAMP)
	$(PY) -m forms_catalog seal-dev $(if $(FORCE),--force)
