#include "common/option_def.hpp"

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

}  // namespace probelog
