// main() for a fuzz target built without libFuzzer (gcc, the normal and
// sanitizer builds): runs LLVMFuzzerTestOneInput once over every file named
// or in a directory named on the command line. The ctest fuzz.* tests replay
// tests/fuzz/regressions/TARGET (every input that once crashed) and the seed
// corpus tests/fuzz/TARGET this way, under the build's sanitizers.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "fuzz_input.hpp"

namespace {

bool run_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return false;
    }
    std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    size_t runs = 0;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path arg = argv[i];
        std::error_code ec;
        if (!std::filesystem::is_directory(arg, ec)) {
            if (!run_file(arg)) return 1;
            ++runs;
            continue;
        }
        // Sorted: a failure names the same file on every run.
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(arg)) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            if (!run_file(file)) return 1;
            ++runs;
        }
    }
    std::printf("%zu inputs ran\n", runs);
    return 0;
}
