#pragma once
// Kernel and end-to-end tests need root. Outside CI they skip without it; in CI
// (PROBELOG_REQUIRE_KERNEL_TESTS=1) a missing privilege is a failure, not a skip.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#define PROBELOG_REQUIRE_ROOT()                                                            \
    do {                                                                                   \
        if (geteuid() != 0) {                                                              \
            if (std::getenv("PROBELOG_REQUIRE_KERNEL_TESTS") != nullptr) {                 \
                FAIL() << "kernel tests need root (PROBELOG_REQUIRE_KERNEL_TESTS is set)"; \
            }                                                                              \
            GTEST_SKIP() << "needs root";                                                  \
        }                                                                                  \
    } while (0)
