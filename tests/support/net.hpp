#pragma once
// Network helpers for tests that start receivers and point probelog at them.

#include <cstdint>

namespace probelog::test {

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it,
// then the socket was closed).
uint16_t free_port();

}  // namespace probelog::test
