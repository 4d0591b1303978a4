# Each target bootstraps .venv itself from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo check test test-slow lint types hooks unit slow bench clean image image-test

# The `dev` extra: the tests' needs (`test`), ruff (`lint`), mypy (`typing`), pre-commit.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "bootstrapping $(VENV) (pinned by constraints.txt)..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e '.[dev]'
	@touch $(STAMP)

## demo: run the main job on the embedded example spec, against local fakes
demo: $(STAMP)
	@$(BIN)/clusterready demo

PYTEST := $(BIN)/pytest tests plugins --doctest-modules -n 2 --dist loadgroup -q

## check: the developer's loop before each commit: lint, types, the tests not marked slow
check: lint types unit

## test: the pre-commit hooks (lint and types, as .pre-commit-config.yaml runs them) and
## the tests not marked slow
test: hooks unit

## test-slow: the end-to-end tests marked slow (whole processes, real waits, builds, the demo)
## and the property tests at their full count of examples
test-slow: slow

# ruff's and mypy's paths are in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/ruff format --check

types: $(STAMP)
	$(BIN)/mypy

hooks: $(STAMP)
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

# Python writes __pycache__/ (git-ignored) even where the environment says not to: each
# pytest process (a worker, an inner run) then loads the compiled, assertion-rewritten
# modules instead of compiling and rewriting them all again.
unit slow: export PYTHONDONTWRITEBYTECODE :=

# The property tests (hypothesis) run 50 examples each here, 200 in `slow` (tests/conftest.py).
unit: $(STAMP)
	$(PYTEST) -m "not slow" --hypothesis-profile clusterready-fast

slow: $(STAMP)
	$(PYTEST) -m slow
	$(BIN)/pytest tests -n 2 -q -m hypothesis --hypothesis-profile clusterready

## bench: side-by-side benchmarks, printing ratios
# awscli pins its own botocore, so the CLI baseline gets a venv of its own.
AWSCLI := .venv-awscli/bin/aws
$(AWSCLI):
	@$(PYTHON) -m venv .venv-awscli
	@.venv-awscli/bin/python -m pip install --quiet --disable-pip-version-check awscli

bench: $(STAMP) $(AWSCLI)
	$(BIN)/python benchmarks/run.py

## image: build the container image into build/ (no Docker engine: buildah; docs/image.md)
image: $(STAMP)
	image/build.sh

## image-test: run the built image with runc and prove it works (tests/image)
image-test: image
	$(BIN)/pytest tests/image -m image -n 0 -q

clean:
	rm -rf $(VENV) .venv-awscli build *.egg-info plugins/*.egg-info
