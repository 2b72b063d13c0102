// --probe-list BIN FUNC when FUNC names one function: the members behind its
// parameters, one level deep, with offsets, types and captures, over the
// field test programs (probe_fields in C, DWARF 5 and 4; probe_fields_cpp;
// go_fields). Offsets are the ones the programs assert (probe_fields.h,
// probe_fields_cpp.cpp, go_fields' init); the lines are compared whole, so
// the alignment of the columns is checked too.
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "probes/list.hpp"
#include "support/process.hpp"

namespace probelog::probes {
namespace {

std::string listing(std::string_view program, std::string_view pattern) {
    auto text = list_functions(test::testprog(program), pattern, std::nullopt);
    if (!text) throw std::runtime_error(text.error().message);
    return *text;
}

// The lines of a listing after its column header (the functions and what is
// listed under them).
std::vector<std::string> body(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    bool past_header = false;
    for (std::string line; std::getline(in, line);) {
        if (past_header) out.push_back(line);
        past_header = past_header || line.starts_with("ADDRESS");
    }
    return out;
}

// The lines under the function's own line (its members), without the address column.
std::vector<std::string> members(const std::string& text) {
    std::vector<std::string> lines = body(text);
    if (lines.empty()) return {};
    return {lines.begin() + 1, lines.end()};
}

const std::vector<std::string> kPfRequest = {
    "    req: struct pf_request * (120 bytes)",
    "      +0       method   enum pf_method     req->method",
    "      +8       path     const char *       req->path",
    "      +16      hdr      struct pf_header   req->hdr.…",
    "      +56      conn     struct pf_conn *   req->conn",
    "      +64.0:1  urgent   unsigned int       req->urgent",
    "      +64.1:3  retries  unsigned int       req->retries",
    "      +64.4:4  kind     unsigned int       req->kind",
    "      +72      u        union <anonymous>  req->u.…",
    "      +80      ratio    double             req->ratio",
    "      +88      weight   float              req->weight",
    "      +92      samples  int16_t[4]         req->samples",
    "      +104     neg      int64_t            req->neg",
    "      +112     grid     uint8_t[2][3]      req->grid[0]  # by element: [0] to [1]",
};

TEST(ProbeListFields, CStructBehindPointer) {
    std::string text = listing("probe_fields", "pf_handle_request");
    ASSERT_EQ(body(text).size(), kPfRequest.size() + 1) << text;
    EXPECT_TRUE(body(text)[0].ends_with("  pf_handle_request(ptr req) ret:s64")) << text;
    EXPECT_EQ(members(text), kPfRequest) << text;
}

TEST(ProbeListFields, CStructBehindPointerDwarf4) {
    // DWARF 4 places bitfields with DW_AT_bit_offset (from the most significant bit).
    EXPECT_EQ(members(listing("probe_fields_dwarf4", "pf_handle_request")), kPfRequest);
}

TEST(ProbeListFields, CRecursiveTypeOneLevel) {
    // The list node's own type is shown, not followed.
    std::vector<std::string> want = {
        "    n: struct pf_node * (16 bytes)",
        "      +0  value  int               n->value",
        "      +8  next   struct pf_node *  n->next",
    };
    EXPECT_EQ(members(listing("probe_fields", "pf_walk")), want);
}

TEST(ProbeListFields, CxxThisWithBaseClass) {
    std::string text = listing("probe_fields_cpp", "PfSession::serve");
    ASSERT_FALSE(body(text).empty()) << text;
    EXPECT_TRUE(body(text)[0].ends_with("  'PfSession::serve(int)'(ptr this, s32 n) ret:s64"))
        << text;
    std::vector<std::string> want = {
        "    this: const class PfSession * (120 bytes)",
        "      +0    pf_base    struct pf_base                           this->…        # base "
        "class",
        "      +8    user       string                                   this->user",
        "      +40   tag        string_view                              this->tag",
        "      +56   ids        class vector<int, std::allocator<int> >  this->ids",
        "      +80   long_user  string                                   this->long_user",
        "      +112  count      int                                      this->count",
    };
    EXPECT_EQ(members(text), want) << text;
    // The demangled name with its parameters names the same one function.
    EXPECT_EQ(members(listing("probe_fields_cpp", "PfSession::serve(int)")), want);
}

TEST(ProbeListFields, GoStructPointerWithEmbeddedField) {
    std::string text = listing("go_fields", "main.handle");
    ASSERT_FALSE(body(text).empty()) << text;
    EXPECT_TRUE(body(text)[0].ends_with(
        "  main.handle(*main.Request req, any meta, error err, map[string]int tags) ret:int"))
        << text;
    std::vector<std::string> want = {
        "    req: *main.Request (168 bytes)",
        "      +0    Base    main.Base       req.…      # embedded",
        "      +24   Method  string          req.Method",
        "      +40   URL     *main.URL       req.URL",
        "      +48   Body    []uint8         req.Body",
        "      +72   Sizes   []int64         req.Sizes",
        "      +96   Hdr     main.Header     req.Hdr.…",
        "      +112  Next    *main.Request   req.Next",
        "      +120  Labels  map[string]int  req.Labels",
        "      +128  Meta    interface {}    req.Meta",
        "      +144  Pair    [2]int32        req.Pair",
        "      +152  Ok      bool            req.Ok",
        "      +160  Score   float64         req.Score",
    };
    EXPECT_EQ(members(text), want) << text;
}

TEST(ProbeListFields, OnlyWhenThePatternNamesOneFunction) {
    // A substring matching four functions, a glob matching one: signatures only.
    std::string several = listing("probe_fields", "pf_handle");
    EXPECT_EQ(body(several).size(), 4u) << several;
    std::string glob = listing("probe_fields", "pf_handle_req*");
    EXPECT_EQ(body(glob).size(), 1u) << glob;
    // A function without pointers to structs lists nothing under it.
    std::string scalars = listing("probe_target", "pt_add_ints");
    EXPECT_EQ(body(scalars).size(), 1u) << scalars;
}

TEST(ProbeListFields, NoDwarfSuggestsByteOffsets) {
    std::string text = listing("probe_target_nodwarf", "pt_add_ints");
    std::vector<std::string> want = {
        "    # no DWARF for this function: member names and types are unknown; capture byte "
        "offsets, e.g. { arg0+16:u32, *(arg0+8):str }",
    };
    EXPECT_EQ(members(text), want) << text;
}

}  // namespace
}  // namespace probelog::probes
