#pragma once
// What tests compare error messages with: the message, or "<no error>" when
// the call succeeded (so a wrong success shows up in the failure output).

#include <string>

#include "common/result.hpp"

namespace probelog {

template <typename T>
std::string error_text(const Result<T>& r) {
    return r.ok() ? "<no error>" : r.error().message;
}

}  // namespace probelog
