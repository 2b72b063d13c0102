// How a BPF load failure reaches the user: one line naming the object and
// saying the verifier rejected it, and with --verbose the verifier's last lines.
#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <vector>

#include "bpf/object.hpp"
#include "bpf/system.hpp"
#include "support/root.hpp"

namespace probelog {
namespace {

std::vector<std::byte> read_object(const std::string& name) {
    std::ifstream in(std::string(PROBELOG_TEST_BPF_DIR) + "/" + name, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

TEST(LoadErrorKernel, VerifierRejectionIsOneLineAndVerboseShowsTheLog) {
    PROBELOG_REQUIRE_ROOT();
    bpf::configure_libbpf_logging(false);
    std::vector<std::byte> elf = read_object("verifier_reject.bpf.o");
    ASSERT_FALSE(elf.empty());

    auto quiet = bpf::Object::open_bytes("reject", elf);
    ASSERT_TRUE(quiet.ok()) << quiet.error().message;
    Status st = quiet->load(false);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, ErrorKind::Rejected);  // what selects a variant for older kernels
    EXPECT_EQ(st.error().err, EACCES);
    EXPECT_EQ(st.error().message,
              "cannot load BPF object 'reject': the kernel's verifier rejected it (Permission "
              "denied) (--verbose shows the verifier log)");

    auto verbose = bpf::Object::open_bytes("reject", elf);
    ASSERT_TRUE(verbose.ok());
    Status vst = verbose->load(true);
    ASSERT_FALSE(vst.ok());
    const std::string& message = vst.error().message;
    EXPECT_EQ(
        message.rfind("cannot load BPF object 'reject': the kernel's verifier rejected it", 0), 0u)
        << message;
    EXPECT_NE(message.find("\nverifier log (last lines):\n"), std::string::npos) << message;
    EXPECT_NE(message.find("invalid mem access 'map_value_or_null'"), std::string::npos) << message;
}

}  // namespace
}  // namespace probelog
