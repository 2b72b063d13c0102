#include "agent/ctl_command.hpp"

#include <fmt/format.h>

#include "control/socket.hpp"

namespace probelog {
namespace {

// The verb and what it takes, after the options.
Status parse_words(const std::vector<std::string>& words, control::CtlRequest& req) {
    const std::string& verb = words[0];
    auto no_args = [&]() -> Status {
        if (words.size() > 1) return make_error("ctl {}: takes no arguments", verb);
        return {};
    };
    auto one_name = [&]() -> Status {
        if (words.size() != 2) {
            return make_error("ctl {}: expected one probe or trace name (see probelog ctl list)",
                              verb);
        }
        req.name = words[1];
        return {};
    };
    if (verb == "list") {
        req.verb = control::CtlVerb::List;
        return no_args();
    }
    if (verb == "stats") {
        req.verb = control::CtlVerb::Stats;
        return no_args();
    }
    if (verb == "remove" || verb == "enable" || verb == "disable") {
        req.verb = verb == "remove"   ? control::CtlVerb::Remove
                   : verb == "enable" ? control::CtlVerb::Enable
                                      : control::CtlVerb::Disable;
        return one_name();
    }
    if (verb == "xdp") {
        req.verb = control::CtlVerb::Xdp;
        req.args.assign(words.begin() + 1, words.end());
        if (req.args.empty()) return make_error("ctl xdp: expected block, unblock, list or stats");
        return {};
    }
    if (verb == "add") {
        req.verb = control::CtlVerb::Add;
        for (size_t i = 1; i < words.size(); ++i) {
            const std::string& w = words[i];
            if (w == "--replace" && req.spec.empty()) {
                req.replace = true;
            } else if (w == "--name" && i + 1 < words.size() && req.spec.empty()) {
                req.name = words[++i];
            } else if (w.starts_with("--name=") && req.spec.empty()) {
                req.name = w.substr(7);
            } else if (req.spec.empty()) {
                req.spec = w;
            } else {
                return make_error(
                    "ctl add: one probe spec, quoted as one argument (e.g. probelog ctl add "
                    "'./app:f(int x)')");
            }
        }
        if (req.spec.empty()) {
            return make_error("ctl add: expected a probe spec (see docs/PROBES.md)");
        }
        if (req.replace && req.name.empty()) {
            return make_error("ctl add --replace: name the probe to replace (--name NAME)");
        }
        return {};
    }
    return make_error(
        "ctl: unknown command '{}' (expected list, stats, add, remove, enable, disable or xdp; "
        "see probelog ctl --help)",
        verb);
}

}  // namespace

std::string ctl_command_help() {
    return fmt::format(
        "Usage: probelog ctl [--socket PATH] [-o json] COMMAND [ARGS...]\n"
        "Changes what a running probelog traces, without restarting it, through its\n"
        "control socket ({}, root only; the agent's --control-socket).\n"
        "\n"
        "Commands:\n"
        "  list                       traces and probes, their state and counts\n"
        "  stats                      counts per trace and per probe\n"
        "  add [--name NAME] SPEC     attach a probe (what --probe takes; docs/PROBES.md)\n"
        "  add --replace --name NAME SPEC\n"
        "                             replace probe NAME: the new one is attached before\n"
        "                             the old one is detached\n"
        "  remove NAME                detach a probe, or stop a trace\n"
        "  disable NAME               detach a probe and keep it listed, or stop a trace\n"
        "  enable NAME                attach a disabled probe again, or start a trace\n"
        "  xdp block|unblock|list|stats ...   the agent's --xdp blocklist (probelog xdp)\n"
        "\n"
        "Options:\n"
        "  --socket PATH              the agent listening at PATH\n"
        "  -o json                    answer as one JSON document (list, stats)\n"
        "\n"
        "Examples:\n"
        "  probelog ctl add --name slow './server:handle(int fd) if fd > 2'\n"
        "  probelog ctl disable slow\n"
        "  probelog ctl enable exec\n",
        kDefaultControlSocket);
}

Result<CtlCommand> parse_ctl_command(const std::vector<std::string>& args) {
    CtlCommand cmd;
    std::vector<std::string> words;
    for (size_t i = 2; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!words.empty()) {
            words.push_back(a);  // after the verb: its arguments
            continue;
        }
        if (a == "-h" || a == "--help") {
            cmd.help = true;
            return cmd;
        }
        if (a == "--socket" || a == "-o") {
            if (i + 1 >= args.size()) return make_error("ctl: {} needs a value", a);
            const std::string& value = args[++i];
            if (a == "--socket") {
                cmd.socket_path = value;
            } else if (value == "json") {
                cmd.request.json = true;
            } else if (value != "text") {
                return make_error("ctl: -o takes json or text, not '{}'", value);
            }
            continue;
        }
        if (a.starts_with("--socket=")) {
            cmd.socket_path = a.substr(9);
            continue;
        }
        if (a.starts_with("-")) {
            return make_error("ctl: unknown option '{}' (see probelog ctl --help)", a);
        }
        words.push_back(a);
    }
    if (words.empty()) {
        return make_error(
            "ctl: expected a command: list, stats, add, remove, enable, disable or xdp (see "
            "probelog ctl --help)");
    }
    if (Status st = parse_words(words, cmd.request); !st) return st.error();
    return cmd;
}

int run_ctl_command(const std::vector<std::string>& args) {
    auto cmd = parse_ctl_command(args);
    if (!cmd) {
        fmt::print(stderr, "probelog: {}\n", cmd.error().message);
        return 2;
    }
    if (cmd->help) {
        fmt::print("{}", ctl_command_help());
        return 0;
    }
    auto response = control::control_request(cmd->socket_path,
                                             control::encode_request(cmd->request), "probelog");
    if (!response) {
        fmt::print(stderr, "probelog: ctl: {}\n", response.error().message);
        return 1;
    }
    if (!response->ok) {
        fmt::print(stderr, "probelog: ctl: {}\n", response->text);
        return 1;
    }
    fmt::print("{}", response->text);
    return 0;
}

}  // namespace probelog
