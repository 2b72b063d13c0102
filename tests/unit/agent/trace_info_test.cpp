// What the vfs and malloc traces tell users before running (--list-traces).
// How the malloc trace finds the C library: proc_maps_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "agent/agent.hpp"
#include "traces/trace.hpp"

namespace probelog {
namespace {

TEST(ListTraces, VfsSaysEverySystemCallItCovers) {
    const TraceInfo* vfs = find_trace("trace_vfs");
    ASSERT_NE(vfs, nullptr);
    EXPECT_FALSE(vfs->default_on);
    for (const char* covered :
         {"open,", "openat,", "openat2", "creat", "unlink(at)", "rename(at,at2)", "mkdir(at)",
          "rmdir", "truncate", "chmod", "fchmodat(2)", "chown", "lchown", "fchownat", "link(at)",
          "symlink(at)"}) {
        EXPECT_NE(vfs->summary.find(covered), std::string_view::npos) << covered;
    }
    std::string text = list_traces_text();
    EXPECT_NE(text.find("vfs        no       path operations"), std::string::npos) << text;
    EXPECT_NE(text.find("tp:syscalls:sys_{enter,exit}_<each of those>"), std::string::npos);
}

TEST(ListTraces, MallocIsOptInAndNamesItsHooks) {
    const TraceInfo* malloc_trace = find_trace("malloc");
    ASSERT_NE(malloc_trace, nullptr);
    EXPECT_FALSE(malloc_trace->default_on);
    EXPECT_EQ(malloc_trace->id, PL_TRACE_MALLOC);
    EXPECT_NE(malloc_trace->hooks.find("uprobe+uretprobe:libc:{malloc,calloc,realloc}"),
              std::string_view::npos);
    EXPECT_NE(malloc_trace->hooks.find("{mmap,munmap}"), std::string_view::npos);
}

// A trace's options come from its own table, the one that makes its flags and
// config keys: --list-traces shows each under its trace.
TEST(ListTraces, ShowsEachTracesOptionsUnderIt) {
    std::string text = list_traces_text();
    size_t exec_at = text.find("\nexec ");
    size_t exit_at = text.find("\nexit ");
    size_t option_at = text.find("option: --exec-args N (config key exec_args)");
    ASSERT_NE(exec_at, std::string::npos) << text;
    ASSERT_NE(option_at, std::string::npos) << text;
    EXPECT_GT(option_at, exec_at);
    EXPECT_LT(option_at, exit_at);
    for (const TraceDef* def : trace_defs()) {
        for (const OptionDef& opt : def->options)
            EXPECT_NE(text.find(std::string(opt.flag)), std::string::npos) << opt.flag;
    }
}

}  // namespace
}  // namespace probelog
