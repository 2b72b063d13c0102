#pragma once
// A typed BPF object: a bpftool skeleton (build/bpf/<name>.skel.h, struct
// pl_<name>) and the Object that owns it. Programs, maps and read-only
// constants are reached through the skeleton's members:
//
//     auto skel = runtime.open<pl_exec>("exec");
//     skel->rodata->exec_args_max = 32;           // before load
//     skel.object().set_autoload(skel->progs.pl_exit_legacy, false);
//
// so that a name that is not in the BPF program fails the build.

#include <string_view>
#include <utility>

#include "bpf/object.hpp"

// Every skeleton's read-only data has the shared filter settings (struct
// pl_filter_config); a trace includes its own schema header and then its
// skeleton (build/bpf/<name>.skel.h).
extern "C" {
#include "event_header.h"
}

namespace probelog::bpf {

template <typename Skel>
class Skeleton {
  public:
    // Opens (does not load) the object embedded in the skeleton.
    static Result<Skeleton> open(std::string_view name) {
        Skel* skel = nullptr;
        auto object = Object::open(name, [&skel](const bpf_object_open_opts& opts) {
            skel = Skel::open(&opts);
            if (skel == nullptr) return Object::Opened{nullptr, {}};
            return Object::Opened{skel->obj, [s = skel] { Skel::destroy(s); }};
        });
        if (!object) return object.error();
        return Skeleton(skel, std::move(*object));
    }

    Skel* operator->() const { return skel_; }
    Object& object() { return object_; }
    const Object& object() const { return object_; }

  private:
    Skeleton(Skel* skel, Object object) : skel_(skel), object_(std::move(object)) {}

    Skel* skel_;  // owned by object_
    Object object_;
};

}  // namespace probelog::bpf
