#include "agent/xdp_command.hpp"

#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

#include "bpf/unique_fd.hpp"
#include "xdp/control.hpp"
#include "xdp/options.hpp"

namespace probelog {
namespace {

// Interfaces with a control socket in the default directory.
Result<std::vector<std::string>> running_agents() {
    std::vector<std::string> names;
    std::string dir(xdp::kControlDir);
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr && (errno == EACCES || errno == EPERM)) {
        return make_error(
            "xdp: cannot look into {}: permission denied (the control socket is "
            "root only: run as root)",
            dir);
    }
    if (d == nullptr) return names;
    while (const dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name.starts_with("xdp-") && name.ends_with(".sock") && name.size() > 9) {
            names.emplace_back(name.substr(4, name.size() - 9));
        }
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

std::string xdp_command_help() {
    return "Usage: probelog xdp [-i IFACE | --socket PATH] COMMAND [ARGS...]\n"
           "Talks to a running `probelog --xdp IFACE` through its control socket\n"
           "(/run/probelog/xdp-IFACE.sock, root only).\n"
           "\n"
           "Commands:\n"
           "  block ADDR[/LEN]...     drop packets from these addresses or prefixes\n"
           "  unblock ADDR[/LEN]...   stop dropping them (entries exactly as listed)\n"
           "  list                    the blocklist, with where each entry came from\n"
           "  stats                   counters since start, per source address\n"
           "\n"
           "Options:\n"
           "  -i, --interface IFACE   the agent attached to IFACE (default: the only one running)\n"
           "  --socket PATH           the agent listening at PATH (its --xdp-socket)\n"
           "\n"
           "Examples:\n"
           "  probelog xdp block 10.1.2.0/24 2001:db8::/32\n"
           "  probelog xdp -i eth0 unblock 10.1.2.0/24\n";
}

Result<XdpCommand> parse_xdp_command(const std::vector<std::string>& args) {
    XdpCommand cmd;
    std::string interface;
    for (size_t i = 2; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!cmd.words.empty()) {
            cmd.words.push_back(a);  // everything after the verb is its arguments
            continue;
        }
        if (a == "-h" || a == "--help") {
            cmd.help = true;
            return cmd;
        }
        if (a == "-i" || a == "--interface" || a == "--socket") {
            if (i + 1 >= args.size()) return make_error("xdp: {} needs a value", a);
            (a == "--socket" ? cmd.socket_path : interface) = args[++i];
            continue;
        }
        if (a.starts_with("--interface=")) {
            interface = a.substr(12);
            continue;
        }
        if (a.starts_with("--socket=")) {
            cmd.socket_path = a.substr(9);
            continue;
        }
        if (a.starts_with("-")) {
            return make_error("xdp: unknown option '{}' (see probelog xdp --help)", a);
        }
        cmd.words.push_back(a);
    }
    if (cmd.words.empty()) {
        return make_error(
            "xdp: expected a command: block, unblock, list or stats (see probelog "
            "xdp --help)");
    }
    if (auto line = xdp::request_line(cmd.words); !line) {
        return make_error("xdp: {}", line.error().message);
    }
    if (!interface.empty() && !cmd.socket_path.empty()) {
        return make_error("xdp: give -i IFACE or --socket PATH, not both");
    }
    if (!interface.empty()) {
        cmd.socket_path = xdp::default_control_socket(interface);
    } else if (cmd.socket_path.empty()) {
        auto found = running_agents();
        if (!found) return found.error();
        const std::vector<std::string>& agents = *found;
        if (agents.empty()) {
            return make_error(
                "xdp: no probelog agent with --xdp is running (no control socket in {}; start "
                "one with probelog --xdp IFACE)",
                xdp::kControlDir);
        }
        if (agents.size() > 1) {
            return make_error("xdp: several agents are running ({}): say which with -i IFACE",
                              fmt::join(agents, ", "));
        }
        cmd.socket_path = xdp::default_control_socket(agents.front());
    }
    return cmd;
}

int run_xdp_command(const std::vector<std::string>& args) {
    auto cmd = parse_xdp_command(args);
    if (!cmd) {
        fmt::print(stderr, "probelog: {}\n", cmd.error().message);
        return 2;
    }
    if (cmd->help) {
        fmt::print("{}", xdp_command_help());
        return 0;
    }
    auto line = xdp::request_line(cmd->words);
    auto response = control::control_request(cmd->socket_path, *line, "probelog --xdp");
    if (!response) {
        fmt::print(stderr, "probelog: xdp: {}\n", response.error().message);
        return 1;
    }
    if (!response->ok) {
        fmt::print(stderr, "probelog: xdp: {}\n", response->text);
        return 1;
    }
    fmt::print("{}", response->text);
    return 0;
}

}  // namespace probelog
