# Beweegkaart: `make demo` and `make test` do all set-up on a fresh machine.
# Debian's Python 3 when there is one: it is built with PGO and LTO, and the site builds ~13 %
# faster on it than on a default source build (pyenv's, say). Else python3 from PATH.
PYTHON ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install servers test demo bench build lint clean golden FORCE

help:  ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# The interpreter the venv is made with: a change (another PYTHON) makes the venv again.
$(VENV)/.python: FORCE
	@mkdir -p $(VENV)
	@echo "$(PYTHON)" | cmp -s - $@ || echo "$(PYTHON)" > $@

$(STAMP): pyproject.toml $(VENV)/.python
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || [ "$(PYTHON)" != /usr/bin/python3 ] || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv --clear $(VENV)
	echo "$(PYTHON)" > $(VENV)/.python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

FORCE:

/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

/usr/bin/java:  # Debian's Java for the Nu HTML Checker (vnu-jar from npm) in the tests
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq default-jre-headless

servers:  # PostgreSQL, Redis, nginx and systemd-analyze (Debian's) for the tests that deploy the app
	@need=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	[ -x /usr/bin/redis-server ] || need="$$need redis-server"; \
	[ -x /usr/sbin/nginx ] || need="$$need nginx"; \
	[ -x /usr/bin/systemd-analyze ] || need="$$need systemd"; \
	if [ -n "$$need" ]; then \
	  echo "installing$$need"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$need; \
	fi

# Leaflet, supercluster, QR and axe-core for the site; the OpenActive validator and vnu-jar for
# the tests (Java first, so vnu-jar's install script finds it and downloads nothing).
node_modules/.installed: package-lock.json /usr/bin/java
	command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(STAMP) /usr/bin/chromium /usr/bin/java servers node_modules/.installed  ## create .venv and install everything the project needs

test: install  ## check the code style, then run the whole test suite
	$(BIN)/ruff check generator referral_app benchmarks tests
	$(BIN)/pytest

lint: install  ## check the code style
	$(BIN)/ruff check generator referral_app benchmarks tests

build: install  ## validate the offers and build the site into site/
	$(BIN)/beweegkaart build

demo: install  ## build the example site and serve it with the referral app
	$(BIN)/beweegkaart demo

/usr/bin/wrk:  # a light HTTP load generator for the referral benchmark
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }

bench: install /usr/bin/wrk  ## benchmark validation, build, browser and referral app
	$(BIN)/python -m benchmarks

clean:  ## remove build output and the virtual environment
	rm -rf site $(VENV) .pytest_cache test-artifacts

golden: install  ## rebuild tests/golden/expected/ after a change to the output that is meant
	BEWEEGKAART_REFRESH_GOLDEN=1 $(BIN)/pytest -q tests/golden
	git status --short tests/golden/expected
