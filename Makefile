# Each target bootstraps .venv itself from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint types unit bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "bootstrapping $(VENV) (pinned by constraints.txt)..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e '.[test]'
	@touch $(STAMP)

## demo: run the main job on the embedded example spec, against local fakes
demo: $(STAMP)
	@$(BIN)/clusterready demo

## test: lint, type-check and run this project's own tests
test: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check plugins tests tests_preflight tests_addons benchmarks setup.py
	$(BIN)/ruff format --check plugins tests tests_preflight tests_addons benchmarks setup.py

types: $(STAMP)
	$(BIN)/mypy plugins

unit: $(STAMP)
	$(BIN)/pytest tests plugins --doctest-modules -n 2 -q

## bench: side-by-side benchmarks, printing ratios
# awscli pins its own botocore, so the CLI baseline gets a venv of its own.
AWSCLI := .venv-awscli/bin/aws
$(AWSCLI):
	@$(PYTHON) -m venv .venv-awscli
	@.venv-awscli/bin/python -m pip install --quiet --disable-pip-version-check awscli

bench: $(STAMP) $(AWSCLI)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .venv-awscli build *.egg-info plugins/*.egg-info
