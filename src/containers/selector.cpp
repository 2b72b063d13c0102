#include "containers/selector.hpp"

namespace probelog::containers {

std::string_view ContainerSelection::which(const ContainerInfo& c) const {
    if (c.id.empty()) return {};  // a pod's own cgroup is no container
    for (const std::string& s : names_or_ids) {
        if (s == c.name || c.id.starts_with(s)) return s;
    }
    return {};
}

bool ContainerSelection::matches(const ContainerInfo& c) const {
    if (c.id.empty()) return false;
    return containers_only || !which(c).empty();
}

Status check_container_selector(std::string_view value) {
    auto ok_char = [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
               ch == '_' || ch == '.' || ch == '-';
    };
    bool ok =
        !value.empty() && value.front() != '_' && value.front() != '.' && value.front() != '-';
    for (char ch : value)
        ok = ok && ok_char(ch);
    if (!ok) {
        return make_error(ErrorKind::Usage,
                          "'{}' is not a container name or id (names are letters, digits and "
                          "_.-, starting with a letter or digit; ids are hex, a prefix will do)",
                          value);
    }
    return {};
}

}  // namespace probelog::containers
