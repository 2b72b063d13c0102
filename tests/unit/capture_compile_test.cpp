// Captures compiled without DWARF: byte offsets and ':TYPE' become the steps
// of a value slot (schema/probe.h, struct pl_probe_path) exactly, and what
// cannot be compiled says why and what to write instead. (With DWARF: the
// e2e tests ProbeFieldsE2E.* over tests/testprogs/probes/probe_fields.c.)
#include <gtest/gtest.h>

#include "probes/capture_compile.hpp"
#include "support/error_text.hpp"

namespace probelog::probes {
namespace {

CaptureSpec capture_of(std::string_view text) {
    std::string spec = "app:f(ptr p) { " + std::string(text) + " }";
    auto r = parse_probe_spec(spec);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() && !r->captures.empty() ? r->captures[0] : CaptureSpec{};
}

CaptureRoot root_p() {
    CaptureRoot root;
    root.name = "p";
    root.loc.kind = PL_LOC_REG;
    root.loc.reg = PL_REG_RDI;
    root.spec_type = ValueType::Ptr;
    return root;
}

Result<CompiledCapture> compile(std::string_view text) {
    auto r = compile_capture(capture_of(text), root_p(), nullptr, CaptureLimits{});
    if (!r) return r.error();
    EXPECT_EQ(r->size(), 1u);
    return std::move(r->front());
}

TEST(CaptureCompile, ByteOffsetReadsAtTheOffset) {
    auto c = compile("p+16:u32");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->slot.value.kind, PL_LOC_REG);
    EXPECT_EQ(c->slot.value.reg, PL_REG_RDI);
    EXPECT_EQ(c->slot.value_path.n_loads, 0);
    EXPECT_EQ(c->slot.value_path.add, 16);
    EXPECT_EQ(c->slot.value_path.size, 4);
    EXPECT_EQ(c->slot.capture, PL_CAPTURE_NONE);
    EXPECT_EQ(c->info.kind, decode::ProbeValueKind::Uint);
    EXPECT_EQ(c->info.bytes, 4);
    EXPECT_EQ(c->info.name, "p_16");
    EXPECT_EQ(c->info.access, std::vector<std::string>{"p"});
}

TEST(CaptureCompile, DereferenceLoadsThePointerThenReadsTheString) {
    auto c = compile("*(p+8):str");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->slot.value_path.n_loads, 1);
    EXPECT_EQ(c->slot.value_path.loads[0], 8);
    EXPECT_EQ(c->slot.value_path.add, 0);
    EXPECT_EQ(c->slot.value_path.size, 0);  // the string starts where the pointer points
    EXPECT_EQ(c->slot.capture, PL_CAPTURE_STR);
    EXPECT_EQ(c->info.kind, decode::ProbeValueKind::Str);
    EXPECT_EQ(c->info.access, (std::vector<std::string>{"p", "p+8"}));
}

TEST(CaptureCompile, ChainsOfOffsetsAndDereferences) {
    auto c = compile("n = *(*(p+8)+24)+4:s16");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->info.name, "n");
    EXPECT_EQ(c->slot.value_path.n_loads, 2);
    EXPECT_EQ(c->slot.value_path.loads[0], 8);
    EXPECT_EQ(c->slot.value_path.loads[1], 24);
    EXPECT_EQ(c->slot.value_path.add, 4);
    EXPECT_EQ(c->slot.value_path.size, 2);
    EXPECT_EQ(c->info.kind, decode::ProbeValueKind::Int);
    EXPECT_EQ(c->info.access.size(), 3u);
}

TEST(CaptureCompile, GoStringAtAnOffsetIsPointerAndLength) {
    auto c = compile("p+32:string");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->slot.capture, PL_CAPTURE_BUF);
    EXPECT_EQ(c->slot.value_path.add, 32);
    EXPECT_EQ(c->slot.value_path.size, 8);
    EXPECT_EQ(c->slot.len.reg, PL_REG_RDI);
    EXPECT_EQ(c->slot.len_path.add, 40);
    EXPECT_EQ(c->slot.len_path.size, 8);
    EXPECT_EQ(c->info.kind, decode::ProbeValueKind::Str);
    EXPECT_EQ(c->info.len_name, "p_32_len");
}

TEST(CaptureCompile, TheParameterItselfTakesItsSpecType) {
    auto c = compile("p");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->info.kind, decode::ProbeValueKind::Hex);
    EXPECT_EQ(c->slot.value_path.n_loads, 0);
    EXPECT_EQ(c->slot.value_path.size, 0);
    EXPECT_EQ(c->slot.value_path.add, 0);
}

TEST(CaptureCompile, EightDereferencesAndNotNine) {
    auto eight = compile("*(*(*(*(*(*(*(*(p)))))))):u64");
    ASSERT_TRUE(eight.ok()) << eight.error().message;
    EXPECT_EQ(eight->slot.value_path.n_loads, 7);
    EXPECT_EQ(eight->slot.value_path.size, 8);
    EXPECT_EQ(error_text(compile("*(*(*(*(*(*(*(*(*(p))))))))):u64")),
              "capture *(*(*(*(*(*(*(*(*(p))))))))): more than 8 dereferences (pointers "
              "followed); capture a shorter path");
}

TEST(CaptureCompile, ErrorsWithoutDwarfSuggestByteOffsets) {
    EXPECT_EQ(error_text(compile("p->name")),
              "capture p->name: '->name' needs the type of p, and there is no DWARF for it (a "
              "stripped binary?): use byte offsets (p+OFFSET:TYPE, *(p+OFFSET):str) or install "
              "its debug file");
    EXPECT_EQ(error_text(compile("p+16")),
              "capture p+16: what to read at p+16 is not known (no DWARF type): add ':TYPE' "
              "(p+16:u32, p+16:str, p+16:ptr)");
    EXPECT_EQ(error_text(compile("p+8:msgpack")),
              "capture p+8: what to read at p+8 is not known (no DWARF type): add ':TYPE' "
              "(p+8:u32, p+8:str, p+8:ptr)");
    EXPECT_EQ(error_text(compile("p[2]")),
              "capture p[2]: an index needs the type of p, and there is no DWARF for it (a "
              "stripped binary?): use byte offsets (p+OFFSET:TYPE, *(p+OFFSET):str) or install "
              "its debug file");
}

}  // namespace
}  // namespace probelog::probes
