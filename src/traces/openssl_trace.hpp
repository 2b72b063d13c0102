#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace probelog {

struct OpensslSettings {
    uint32_t capture = 0;           // --openssl-capture: plaintext bytes per record (0..4096)
    std::vector<std::string> libs;  // --openssl-lib: more libssl files to attach to
};

}  // namespace probelog
