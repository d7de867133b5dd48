# Two commands for a newcomer:  make run   (install + start the app)
#                               make test  (install + run the whole test suite)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test install install-dev browser clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q -e . --no-deps
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian's Chromium (never `playwright install`: no downloads here) and nginx (the replica test's
# proxy) for the browser tests.
browser:
	@{ command -v chromium && { command -v nginx || [ -x /usr/sbin/nginx ]; }; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji nginx >/dev/null; \
	  else echo "browser tests need Debian's chromium and nginx: sudo apt-get install -y chromium nginx"; fi; }

run: install
	$(VENV)/bin/streamlit run app.py

test: install-dev browser
	HF_HUB_OFFLINE=1 $(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
