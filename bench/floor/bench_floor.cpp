// The floor of the benchmarks: probelog itself, with every BPF program
// returning at once (PL_FILTER_FLOOR). The same traces attach the same
// programs to the same hooks in the same way (tracepoints, tp_btf, uprobes in
// the same processes), so what a workload pays under it is the price of the
// hooks alone, and whatever probelog costs above it is probelog's own.
//   probelog-bench-floor [probelog options]      e.g. --trace exec --comm wl_exec
//   probelog-bench-floor BIN SYMBOL PID [--ret|--rets]  an empty uprobe on
//       BIN:SYMBOL in process PID (and a uretprobe, or with --rets a uprobe on
//       every RET instruction, as probelog does for Go; bench/go_probes.sh);
//       SYMBOL usdt:PROVIDER:NAME: at the USDT probe's first site (bench/usdt.sh)
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "agent/agent.hpp"
#include "agent/cli.hpp"
#include "bpf/skeleton.hpp"
#include "bpf/system.hpp"

#include "bench_floor.skel.h"
#include "symbols/disasm.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/lookup.hpp"
#include "symbols/usdt_notes.hpp"

namespace {

using namespace probelog;

// The original helper: one empty program of its own (bench_floor.bpf.c).
int empty_uprobe(int argc, char** argv) {
    std::string bin = argv[1];
    int pid = std::atoi(argv[3]);
    bool with_ret = argc > 4 && std::string(argv[4]) == "--ret";
    bool with_rets = argc > 4 && std::string(argv[4]) == "--rets";
    auto file = symbols::ElfFile::open(bin);
    if (!file) {
        fmt::print(stderr, "{}\n", file.error().message);
        return 1;
    }
    // usdt:PROVIDER:NAME: an empty uprobe at the probe's first site (bench/usdt.sh).
    std::optional<uint64_t> offset;
    std::vector<const symbols::ElfSymbol*> found;
    if (std::string_view sym = argv[2]; sym.starts_with("usdt:")) {
        auto notes = symbols::read_usdt_notes(*file);
        for (const symbols::UsdtNote& n : notes ? *notes : std::vector<symbols::UsdtNote>{}) {
            if (!offset && "usdt:" + n.provider + ":" + n.name == sym) offset = n.pc_offset;
        }
        if (!offset) {
            fmt::print(stderr, "{}: no USDT probe {}\n", bin, sym.substr(5));
            return 1;
        }
    } else {
        found = symbols::find_functions(*file, argv[2]);
        if (found.size() != 1) {
            fmt::print(stderr, "{}: {} functions named {}\n", bin, found.size(), argv[2]);
            return 1;
        }
        auto at = file->file_offset(found[0]->address);
        if (!at) {
            fmt::print(stderr, "{}\n", at.error().message);
            return 1;
        }
        offset = *at;
    }
    if (auto st = bpf::ensure_tracefs(); !st) {
        fmt::print(stderr, "{}\n", st.error().message);
        return 1;
    }
    auto skel = bpf::Skeleton<pl_bench_floor>::open("bench_floor");
    if (!skel) {
        fmt::print(stderr, "{}\n", skel.error().message);
        return 1;
    }
    bpf::Object& obj = skel->object();
    if (auto st = obj.load(true); !st) {
        fmt::print(stderr, "{}\n", st.error().message);
        return 1;
    }
    bpf_program* empty = (*skel)->progs.pl_bench_empty;
    for (bool ret : {false, true}) {
        if (ret && !with_ret) continue;
        auto st = obj.attach_uprobe(empty, bpf::UprobeTarget{bin, *offset, pid, ret, 0});
        if (!st) {
            fmt::print(stderr, "{}\n", st.error().message);
            return 1;
        }
    }
    if (with_rets && !found.empty()) {
        auto code = file->read_at(found[0]->address, found[0]->size);
        auto insns = code ? symbols::decode_instructions(*code, found[0]->address)
                          : Result<std::vector<symbols::Instruction>>(code.error());
        if (!insns) {
            fmt::print(stderr, "{}\n", insns.error().message);
            return 1;
        }
        for (const symbols::Instruction& i : *insns) {
            if (!i.is_ret) continue;
            auto st = obj.attach_uprobe(
                empty, bpf::UprobeTarget{bin, *file->file_offset(i.address), pid, false, 0});
            if (!st) {
                fmt::print(stderr, "{}\n", st.error().message);
                return 1;
            }
        }
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    fmt::print(stderr, "floor: {} attached to {}:{} in process {}\n",
               with_ret    ? "uprobe and uretprobe"
               : with_rets ? fmt::format("uprobe and {} uprobe(s) on RET", obj.link_count() - 1)
                           : "uprobe",
               bin, argv[2], pid);
    int sig = 0;
    sigwait(&set, &sig);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 4 && argv[1][0] != '-') return empty_uprobe(argc, argv);
    std::vector<std::string> args(argv, argv + argc);
    auto outcome = parse_command_line(args);
    if (!outcome) {
        fmt::print(stderr, "probelog-bench-floor: {}\n", outcome.error().message);
        return 2;
    }
    if (outcome->exit_code) {
        fmt::print("{}", outcome->text);
        return *outcome->exit_code;
    }
    outcome->options.bench_floor = true;
    return run_agent(outcome->options);
}
