# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501
# The app listens on this machine only; put nginx in front (deploy/nginx.conf.template) or
# run `make run ADDRESS=0.0.0.0` to expose it (see README "Running in production").
ADDRESS ?= 127.0.0.1
# Production-like Streamlit settings: no forced GC after each run, no file watcher.
STREAMLIT_FLAGS := --server.port $(PORT) --server.address $(ADDRESS) --server.headless true \
	--runner.postScriptGC false --server.fileWatcherType none \
	--browser.gatherUsageStats false

.PHONY: run test test-fast bench lint format system-deps venv demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# System packages the test suite needs (Debian): Chromium for browser tests, poppler for
# rendering PDFs, a CJK TrueType font for Chinese reports, nginx for the scale-out test.
# Installed only when missing; the distribution's own nginx service is stopped again.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing="$$missing fonts-wqy-zenhei"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
		case "$$missing" in *nginx*) $$SUDO service nginx stop >/dev/null 2>&1 || true;; esac; \
	fi

# Links use the public_url setting (SJT_PUBLIC_URL or `sjt settings set public_url`), else
# the address the app is served on: STREAMLIT_SERVER_PORT tells the CLI which port that is.
demo: $(STAMP)
	$(BIN)/sjt bank validate
	STREAMLIT_SERVER_PORT=$(PORT) $(BIN)/sjt demo --candidates 60 --if-empty

run: $(STAMP) demo
	$(BIN)/streamlit run serve.py $(STREAMLIT_FLAGS)

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow and not browser"

bench: $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build *.egg-info
