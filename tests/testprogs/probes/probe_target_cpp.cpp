// A C++ program whose methods and functions tests probe by demangled name:
// a class method and its overload, a static method, a namespaced function, a
// function template, and a function returning std::string (a hidden result
// pointer). Built with DWARF (probe_target_cpp) and without (probe_target_cpp_nodwarf).
#include <string>

#define PROBED __attribute__((noipa, used))

namespace ns {

struct Counter {
    long total = 0;
    PROBED long add(int v) { return total += v; }
    PROBED long add(int v, int w) { return total += v * w; }
    PROBED static int twice(int x) { return 2 * x; }
};

PROBED int scale(int x) {
    return 3 * x;
}

template <typename T>
PROBED T biggest(T a, T b) {
    return a > b ? a : b;
}

PROBED std::string make_name(int n) {
    return "name-" + std::to_string(n) + "-long-enough-to-live-on-the-heap";
}

PROBED size_t name_length(const std::string& s) {
    return s.size();
}

}  // namespace ns

int main() {
    ns::Counter c;
    long total = c.add(5);
    total += c.add(6, 7);
    total += ns::Counter::twice(21);
    total += ns::scale(14);
    total += ns::biggest<int>(3, 9);
    std::string name = ns::make_name(8);
    total += static_cast<long>(ns::name_length(name));
    return total == 42 ? 3 : 0;  // keeps every result live; prints nothing
}
