# Thin wrapper around CMake: `make run` and `make test` are the whole quick start.
BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
ARGS       ?=
CLANG_FORMAT ?= clang-format-16
CLANG_TIDY   ?= clang-tidy-16

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' '*.cpp' '*.hpp' 2>/dev/null)

.PHONY: all deps configure build run test unit-test kernel-test lint lint-format lint-tidy format bench clean

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
CTEST = ctest --output-on-failure --timeout 300

test: build
	@cd $(BUILD) && $(CTEST) $(CTEST_ARGS)

unit-test: build
	@cd $(BUILD) && $(CTEST) -L unit $(CTEST_ARGS)

kernel-test: build
	@cd $(BUILD) && $(CTEST) -L 'kernel|e2e' $(CTEST_ARGS)

lint: lint-format lint-tidy

lint-format: deps
	@$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES)

lint-tidy: configure
	@run-clang-tidy-16 -quiet -p $(BUILD) -clang-tidy-binary $(CLANG_TIDY) 'src/' \
		>$(BUILD)/clang-tidy.log 2>&1 || \
		{ grep -E -A4 '(warning|error):' $(BUILD)/clang-tidy.log; \
		  echo "clang-tidy found the problems above (whole log: $(BUILD)/clang-tidy.log)"; exit 1; }

format: deps
	@$(CLANG_FORMAT) -i $(FORMAT_FILES)

bench: build
	@bench/run.sh

clean:
	@rm -rf $(BUILD)
