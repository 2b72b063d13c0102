#pragma once
// The xdp trace's kernel side: the loaded program and its maps (XdpProgram),
// and its attachment to an interface (XdpAttachment, a BPF link: detached when
// destroyed, and by the kernel if probelog dies without cleaning up).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "bpf/object.hpp"
#include "bpf/runtime.hpp"
#include "bpf/unique_fd.hpp"
#include "common/result.hpp"
#include "xdp/address.hpp"
#include "xdp/options.hpp"
#include "xdp/report.hpp"

namespace probelog::bpf {

struct XdpProgramConfig {
    std::string ifname;
    uint32_t ifindex = 0;
    uint32_t max_sources = 16384;
    uint32_t drop_records_per_sec = 100;
    uint64_t drop_rate_window_ns = 1'000'000'000;  // the "per second" (tests lengthen it)
};

class XdpProgram {
  public:
    // Opens and loads the xdp object through the runtime (shared ring buffer
    // and counters); nothing is attached yet.
    static Result<XdpProgram> load(Runtime& runtime, const XdpProgramConfig& config);

    int program_fd() const;

    // The blocklist trie.
    Status block(const xdp::Prefix& prefix);
    // Also forgets the sources it covered as reported, so that blocking them
    // again reports their next first drop.
    Status unblock(const xdp::Prefix& prefix);

    // Every counter, summed over the cpus.
    Result<xdp::Snapshot> snapshot() const;

    // Runs the program once on `frame` (BPF_PROG_TEST_RUN); returns its XDP action.
    Result<uint32_t> test_run(std::span<const uint8_t> frame) const;

  private:
    XdpProgram() = default;
    struct Maps {
        bpf_map* sources = nullptr;
        bpf_map* blocklist = nullptr;
        bpf_map* reported = nullptr;
        bpf_map* ethertypes = nullptr;
        bpf_map* totals = nullptr;
    };
    std::unique_ptr<Object> object_;
    Maps maps_;
    int program_fd_ = -1;
};

// What is attached to an interface now.
struct XdpAttached {
    uint32_t prog_id = 0;  // 0: nothing
    std::string prog_name;
    std::string mode;  // "native", "generic", "offload", "several"
};
Result<XdpAttached> query_xdp(int ifindex);

class XdpAttachment {
  public:
    // Attaches `prog_fd` to the interface. Auto: native if the driver supports
    // it, else generic; `note` says why generic was chosen. An XDP program
    // already on the interface is an error unless `force` (then it is removed).
    static Result<XdpAttachment> attach(int prog_fd, int ifindex, std::string_view ifname,
                                        xdp::Mode mode, bool force, std::string* note);

    XdpAttachment(XdpAttachment&&) noexcept = default;
    XdpAttachment& operator=(XdpAttachment&&) noexcept = default;
    ~XdpAttachment() = default;  // closing the link detaches the program

    xdp::Mode mode() const { return mode_; }  // Native or Generic
    uint32_t prog_id() const { return prog_id_; }

  private:
    XdpAttachment() = default;
    UniqueFd link_;
    xdp::Mode mode_ = xdp::Mode::Generic;
    uint32_t prog_id_ = 0;
};

}  // namespace probelog::bpf
