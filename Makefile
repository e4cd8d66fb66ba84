# v4l2sl — see README.md. Every target sets itself up (venv, build) on a fresh Debian/Ubuntu machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PYTEST := $(PY) -m pytest
SAMPLE ?= fixtures/h264/baseline_cavlc.264
STAMP  := $(VENV)/.installed

.PHONY: install test bench fixtures decode conformance fuzz clean rig

# System packages needed to build (compiler, Python headers, venv). Installed only when missing.
sysdeps:
	@if ! $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || ! command -v cc >/dev/null || \
	   ! $(PYTHON) -c 'import sysconfig,os,sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"],"Python.h")))'; then \
	  echo "installing build prerequisites with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-dev build-essential; \
	fi

$(STAMP): pyproject.toml setup.py $(shell find v4l2sl -name '*.pyx' -o -name '*.pxd' 2>/dev/null)
	@$(MAKE) --no-print-directory sysdeps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

test: install
	$(PYTEST) -q

bench: install
	@mkdir -p build/bench
	$(PYTEST) tests/benchmarks --benchmark-enable --benchmark-only --benchmark-json=build/bench/bench.json -q
	$(PY) -m v4l2sl bench --report build/bench/bench.json

# vpxenc (Debian vpx-tools) makes the VP9 streams with hidden alt-ref frames and 10-bit that FFmpeg's
# libvpx wrapper cannot; without it generate.py keeps the committed ones.
fixtures: install
	@command -v vpxenc >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq vpx-tools) || true
	$(PY) fixtures/generate.py

# The main job: decode a sample stream with the default device and check it against its expected MD5s.
decode: install
	@mkdir -p build
	$(PY) -m v4l2sl decode $(SAMPLE) --device auto --format framemd5 -o build/decode.framemd5 --verify $(SAMPLE).framemd5
	$(PY) -m v4l2sl decode $(SAMPLE) --device auto --format y4m -o build/decode.y4m

conformance: install
	$(PY) -m v4l2sl conformance --manifest ../shared/conformance/MANIFEST.tsv

fuzz: install
	$(PIP) install -q atheris
	$(PY) tests/fuzz/run.py

# Build (or reuse from ~/.cache/v4l2sl) the QEMU kernel rig: trixie kernel + visl/vicodec (see tests/rig/README.md)
rig: install
	bash tests/rig/build.sh

clean:
	rm -rf build $(VENV) *.egg-info
	find v4l2sl -name '*.so' -o -name '*.c' -o -name '*.html' | xargs rm -f
