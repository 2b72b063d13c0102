// The floor of the uprobe benchmark: attaches an empty BPF program as a uprobe
// (and, with --ret, as a uretprobe too; with --rets, as a plain uprobe on
// every RET instruction of the function, as probelog does for Go) to
// BIN:SYMBOL in process PID, says so, and waits for SIGINT or SIGTERM. What
// probelog adds per call is measured against this (bench/cells/probes.sh,
// bench/go_probes.sh).
//   probelog-bench-floor BIN SYMBOL PID [--ret|--rets]
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "bpf/object.hpp"
#include "bpf/system.hpp"
#include "symbols/disasm.hpp"
#include "symbols/elf_file.hpp"
#include "symbols/lookup.hpp"

int main(int argc, char** argv) {
    using namespace probelog;
    if (argc < 4) {
        fmt::print(stderr, "usage: {} BIN SYMBOL PID [--ret|--rets]\n", argv[0]);
        return 2;
    }
    std::string bin = argv[1];
    int pid = std::atoi(argv[3]);
    bool with_ret = argc > 4 && std::string(argv[4]) == "--ret";
    bool with_rets = argc > 4 && std::string(argv[4]) == "--rets";
    auto file = symbols::ElfFile::open(bin);
    if (!file) {
        fmt::print(stderr, "{}\n", file.error().message);
        return 1;
    }
    auto found = symbols::find_functions(*file, argv[2]);
    if (found.size() != 1) {
        fmt::print(stderr, "{}: {} functions named {}\n", bin, found.size(), argv[2]);
        return 1;
    }
    auto offset = file->file_offset(found[0]->address);
    if (!offset) {
        fmt::print(stderr, "{}\n", offset.error().message);
        return 1;
    }
    if (auto st = bpf::ensure_tracefs(); !st) {
        fmt::print(stderr, "{}\n", st.error().message);
        return 1;
    }
    auto obj = bpf::Object::open_embedded("bench_floor");
    if (!obj) {
        fmt::print(stderr, "{}\n", obj.error().message);
        return 1;
    }
    if (auto st = obj->load(true); !st) {
        fmt::print(stderr, "{}\n", st.error().message);
        return 1;
    }
    std::vector<bpf::Link> links;
    for (bool ret : {false, true}) {
        if (ret && !with_ret) continue;
        auto link =
            obj->attach_uprobe("pl_bench_empty", bpf::UprobeTarget{bin, *offset, pid, ret, 0});
        if (!link) {
            fmt::print(stderr, "{}\n", link.error().message);
            return 1;
        }
        links.push_back(std::move(*link));
    }
    if (with_rets) {
        auto code = file->read_at(found[0]->address, found[0]->size);
        auto insns = code ? symbols::decode_instructions(*code, found[0]->address)
                          : Result<std::vector<symbols::Instruction>>(code.error());
        if (!insns) {
            fmt::print(stderr, "{}\n", insns.error().message);
            return 1;
        }
        for (const symbols::Instruction& i : *insns) {
            if (!i.is_ret) continue;
            auto link = obj->attach_uprobe(
                "pl_bench_empty",
                bpf::UprobeTarget{bin, *file->file_offset(i.address), pid, false, 0});
            if (!link) {
                fmt::print(stderr, "{}\n", link.error().message);
                return 1;
            }
            links.push_back(std::move(*link));
        }
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    fmt::print(stderr, "floor: {} attached to {}:{} in process {}\n",
               with_ret    ? "uprobe and uretprobe"
               : with_rets ? fmt::format("uprobe and {} uprobe(s) on RET", links.size() - 1)
                           : "uprobe",
               bin, argv[2], pid);
    int sig = 0;
    sigwait(&set, &sig);
    return 0;
}
