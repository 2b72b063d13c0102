// probe_fields_cpp [N]: a C++ program whose method tests read through field
// expressions: a member of a base class, libstdc++'s std::string (one short,
// in the object, one long, on the heap), std::string_view and
// std::vector<int>. Runs N rounds (default 1), each calling
// PfSession::serve(PFX_SERVE_N) once on a session holding the values of
// probe_fields_values.h, and prints nothing.
#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "probe_fields_values.h"

#define PROBED __attribute__((noipa, used))

struct pf_base {
    int base_id;  // 0
};

class PfSession : public pf_base {
  public:
    std::string user;       // 8
    std::string_view tag;   // 40
    std::vector<int> ids;   // 56
    std::string long_user;  // 80
    int count = 0;          // 112
    PROBED long serve(int n);
};

// offsetof on a class with a base is "conditionally supported": g++ supports it.
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
static_assert(offsetof(PfSession, base_id) == 0);
static_assert(offsetof(PfSession, user) == 8);
static_assert(offsetof(PfSession, tag) == 40);
static_assert(offsetof(PfSession, ids) == 56);
static_assert(offsetof(PfSession, long_user) == 80);
static_assert(offsetof(PfSession, count) == 112);
static_assert(sizeof(PfSession) == 120);

long PfSession::serve(int n) {
    return static_cast<long>(user.size() + tag.size() + ids.size() + long_user.size()) + count +
           base_id + n;
}

int main(int argc, char** argv) {
    long rounds = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1;
    PfSession s;
    s.base_id = PFX_BASE_ID;
    s.user = PFX_USER;
    s.tag = PFX_TAG;
    s.ids = PFX_IDS;
    s.long_user = PFX_LONG_USER;
    s.count = PFX_COUNT;
    long total = 0;
    for (long r = 0; r < rounds; ++r)
        total += s.serve(PFX_SERVE_N);
    return total == 42 ? 3 : 0;  // keeps every result live; prints nothing
}
