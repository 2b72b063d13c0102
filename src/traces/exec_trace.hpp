#pragma once

#include <cstdint>

namespace probelog {

struct ExecSettings {
    uint32_t args_max = 32;  // --exec-args: arguments captured per exec (1..128)
};

}  // namespace probelog
