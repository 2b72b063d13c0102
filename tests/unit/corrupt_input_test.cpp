// Inputs that lie (issue 20's defects): corrupt event times and lifetimes
// decode without undefined behaviour (the sanitizer build checks it), and a
// truncated ELF file is called truncated, not "stripped".
#include <gtest/gtest.h>

#include <fstream>
#include <limits>

#include "common/clock.hpp"
#include "event_bytes.hpp"
#include "support/temp_dir.hpp"
#include "symbols/elf_file.hpp"

extern "C" {
#include "exit.h"
}

namespace probelog::test {
namespace {

TEST(CorruptInput, TheLargestBootTimeWrapsInsteadOfOverflowing) {
    BootClock clock;
    uint64_t boot_ns = std::numeric_limits<int64_t>::max();
    // Whatever the offset's sign, the sum is defined (two's complement wrap).
    int64_t t = clock.to_realtime_ns(boot_ns);
    EXPECT_EQ(static_cast<uint64_t>(t), boot_ns + static_cast<uint64_t>(clock.offset_ns()));
    std::vector<std::byte> event = event_bytes(pl_exit_event{}, PL_EVENT_EXIT, PL_TRACE_EXIT);
    std::memcpy(event.data() + offsetof(pl_event_header, boot_ns), &boot_ns, sizeof(boot_ns));
    Record r;
    EXPECT_EQ(decode_bytes(event, r), nullptr);
}

TEST(CorruptInput, AnExitWithAnImpossibleLifetimeDecodes) {
    pl_exit_event e{};
    e.lifetime_ns = 0x8000000000000000ull;
    auto event = event_bytes(e, PL_EVENT_EXIT, PL_TRACE_EXIT);
    Record r;
    ASSERT_EQ(decode_bytes(event, r), nullptr);
    EXPECT_EQ(uint_of(r, "lifetime_ns"), 0x8000000000000000ull);
}

TEST(CorruptInput, ATruncatedElfIsCalledTruncated) {
    TempDir dir{"probelog-corrupt"};
    std::ifstream ls("/bin/ls", std::ios::binary);
    std::string head(1000, '\0');
    ls.read(head.data(), static_cast<std::streamsize>(head.size()));
    ASSERT_EQ(ls.gcount(), 1000);
    std::string path = dir.write("ls", head);
    auto elf = symbols::ElfFile::open(path);
    ASSERT_FALSE(elf.ok());
    EXPECT_EQ(elf.error().message.rfind(path + " is truncated: its headers say ", 0), 0u)
        << elf.error().message;
    EXPECT_TRUE(elf.error().message.ends_with("bytes, the file has 1000")) << elf.error().message;
}

}  // namespace
}  // namespace probelog::test
