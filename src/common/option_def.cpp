#include "common/option_def.hpp"

#include <fmt/format.h>

#include <string>

namespace probelog {

std::string config_key(const OptionDef& option) {
    std::string_view flag = option.flag;
    while (flag.starts_with('-'))
        flag.remove_prefix(1);
    std::string key(flag);
    for (char& c : key) {
        if (c == '-') c = '_';
    }
    return key;
}

std::string option_error(const OptionDef& option, std::string_view name, std::string_view value,
                         std::string_view message) {
    if (option.error_names_value) return fmt::format("{} '{}': {}", name, value, message);
    return fmt::format("{}: {}", name, message);
}

}  // namespace probelog
