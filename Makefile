# Thin wrapper around CMake: `make run` and `make test` are the whole quick start.
BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
ASAN_BUILD ?= build-asan
# What `make test-asan` runs under the sanitizers (a ctest label regex).
ASAN_LABELS ?= unit|kernel|e2e
# What it builds there (not the benchmarks).
ASAN_TARGETS = probelog unit_tests unit_agent_tests kernel_tests e2e_tests e2e_probe_tests e2e_serial_tests fuzz_targets
FUZZ_BUILD ?= build-fuzz
# `make fuzz`: seconds per target, and how many targets run at once.
FUZZ_TIME  ?= 60
FUZZ_JOBS  ?= 2
FUZZ_TARGETS ?=
JOBS       ?= $(shell nproc)
ARGS       ?=
CLANG_FORMAT ?= clang-format-16
CLANG_TIDY   ?= clang-tidy-16

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' '*.cpp' '*.hpp' 2>/dev/null)

.PHONY: all deps configure build run test unit-test kernel-test test-asan asan-build fuzz fuzz-build lint lint-format lint-tidy tidy-only format bench clean \
        static test-static ship-deps deb test-deb image test-image test-kube

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DPROBELOG_WERROR=ON \
	       -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# Starts probelog with its default traces, printing to the terminal (needs root).
run: build
	@$(BUILD)/probelog $(ARGS)

# Every test: unit (no root), kernel and end-to-end (root). One ctest test per
# GoogleTest test, named unit.*, kernel.*, e2e.* (ctest -N lists them).
# TEST_JOBS at once: the tests that share kernel state hold a ctest resource
# lock (tests/CMakeLists.txt), so they still run one at a time.
TEST_JOBS ?= 2
CTEST = ctest --output-on-failure --timeout 300 -j$(TEST_JOBS)

test: build
	@cd $(BUILD) && $(CTEST) $(CTEST_ARGS)

unit-test: build
	@cd $(BUILD) && $(CTEST) -L unit $(CTEST_ARGS)

kernel-test: build
	@cd $(BUILD) && $(CTEST) -L 'kernel|e2e' $(CTEST_ARGS)

# The same tests built with AddressSanitizer and UndefinedBehaviorSanitizer, in
# $(ASAN_BUILD)/ (docs/DEVELOPING.md). Any report fails its test: UBSan does
# not recover, LeakSanitizer checks at exit; the probelog processes the e2e
# tests start inherit the options.
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

test-asan: asan-build
	@cd $(ASAN_BUILD) && $(ASAN_ENV) $(CTEST) -L '$(ASAN_LABELS)' $(CTEST_ARGS)

# The build alone (.ci/run fuzzes while the sanitized tests run, not while
# they build).
asan-build: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPROBELOG_SANITIZE=ON \
	       -DPROBELOG_WERROR=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) --target $(ASAN_TARGETS)

# The libFuzzer targets (tests/fuzz/, docs/DEVELOPING.md "Fuzzing") in
# $(FUZZ_BUILD)/: clang-16, ASan+UBSan, the libraries they fuzz with coverage
# instrumentation. Replays every target's regressions and seeds (ctest -L
# fuzz), then fuzzes each for FUZZ_TIME seconds, FUZZ_JOBS at a time; fails
# on any crash (the input is in $(FUZZ_BUILD)/fuzz/crashes/).
fuzz: fuzz-build
	@cd $(FUZZ_BUILD) && $(ASAN_ENV) $(CTEST) -L fuzz
	@scripts/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_JOBS) $(FUZZ_TARGETS)

# The build alone (.ci/run starts it in the background while the tests run).
fuzz-build: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPROBELOG_FUZZ=ON -DPROBELOG_WERROR=ON \
	       -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_targets

lint: lint-format lint-tidy

lint-format: deps
	@$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES)

# clang-tidy (.clang-tidy) over src/: needs the build's compile_commands.json
# and the generated BPF skeleton headers.
lint-tidy: configure
	@cmake --build $(BUILD) --target bpf_skeletons >/dev/null
	@$(MAKE) --no-print-directory tidy-only

# The same on a tree that is configured and has its skeletons (.ci/run starts
# it in the background while the tests build and run). TIDY_FILES: regexes of
# the files to check (default: all of src/).
TIDY_FILES ?= src/
tidy-only:
	@run-clang-tidy-16 -quiet -p $(BUILD) -clang-tidy-binary $(CLANG_TIDY) $(TIDY_FILES) \
		>$(BUILD)/clang-tidy.log 2>&1 || \
		{ grep -E -A4 '(warning|error):' $(BUILD)/clang-tidy.log; \
		  echo "clang-tidy found the problems above (whole log: $(BUILD)/clang-tidy.log)"; exit 1; }

format: deps
	@$(CLANG_FORMAT) -i $(FORMAT_FILES)

bench: build
	@bench/run.sh

# Shipping (docs/INSTALL.md). None of these is part of `make test` or CI:
# each says how long it takes there.
#
# make static: $(BUILD)/probelog-static, probelog linked statically from
# Debian's static libraries (cmake/Static.cmake): the same objects as
# $(BUILD)/probelog, one more link.
# $(BUILD)/static/probelog is the same, stripped: what the image ships.
static: configure ship-deps
	@cmake -S . -B $(BUILD) -DPROBELOG_STATIC=ON >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target probelog-static
	@mkdir -p $(BUILD)/static
	@objcopy --strip-all $(BUILD)/probelog-static $(BUILD)/static/probelog
	@echo "static: $(BUILD)/static/probelog ($$(stat -c %s $(BUILD)/static/probelog) bytes, stripped)"

# The static binary has no dynamic dependency and traces (root; ~1 s).
test-static: static
	@tests/ship/static_test.sh $(BUILD)/static/probelog

ship-deps:
	@scripts/install-deps.sh ship

# make deb: $(BUILD)/deb/probelog_VERSION-1_amd64.deb (debhelper), checked
# by lintian (errors fail). Builds probelog only, not the tests.
deb: configure ship-deps
	@cmake --build $(BUILD) -j$(JOBS) --target probelog
	@scripts/build-deb.sh $(BUILD) $(BUILD)/deb

# The bash completion; then installs, starts, checks, stops and purges the
# package in a fresh Debian 12 root (mmdebstrap, podman, systemd as its
# init); root, network to Debian's mirror the first time (the root is cached
# in $(BUILD)/deb-root/).
test-deb: deb
	@tests/ship/completion_test.sh $(BUILD)
	@tests/ship/deb_test.sh $(BUILD)/deb $(BUILD)/deb-root

# make image: localhost/probelog:VERSION, FROM scratch with the static binary.
image: static
	@scripts/build-image.sh $(BUILD)/static/probelog $(BUILD)/image

# Runs the image as a host agent and sees exec records of host processes.
test-image: image
	@tests/ship/image_test.sh $(BUILD)/static/probelog

# deploy/kubernetes/: every manifest against the API's types, and the
# DaemonSet's pod under podman kube play, seeing a host process's exec.
test-kube: image
	@tests/ship/kube_test.sh $(BUILD)/static/probelog

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
