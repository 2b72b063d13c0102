// Field expressions end to end (docs/PROBES.md, "Fields behind pointers"):
// probelog --probe 'BIN:FUNC { captures }' -- <test program>, against
// tests/testprogs/probes/probe_fields.c, probe_fields_cpp.cpp and
// tests/testprogs/go/fields, whose values (probe_fields_values.h,
// go/fields/values.h) are read back exactly through members, pointers,
// arrays, bitfields, enums, strings, vectors, slices and maps, with DWARF and
// with byte offsets only; NULL pointers give null and an error naming them.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>

#include "e2e/run_probelog.hpp"
#include "support/json_lines.hpp"
#include "support/process.hpp"
#include "support/root.hpp"
#include "testprogs/go/fields/values.h"
#include "testprogs/probes/probe_fields_values.h"

namespace probelog::test {
namespace {

struct FieldRun {
    Finished finished;
    std::vector<JsonRecord> records;
};

FieldRun run_fields(const std::vector<std::string>& specs,
                    const std::vector<std::string>& command) {
    std::vector<std::string> args = {probelog_bin(), "-o", "json", "--poll-ms", "20"};
    for (const std::string& s : specs) {
        args.push_back("--probe");
        args.push_back(s);
    }
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    FieldRun out;
    out.finished = run(args);
    EXPECT_EQ(out.finished.exit_code, 0) << out.finished.err;
    out.records = parse_json_lines(out.finished.out);
    return out;
}

std::vector<const JsonRecord*> of(const FieldRun& run, std::string_view probe) {
    return select(run.records, [&](const JsonRecord& r) { return r.str("probe") == probe; });
}

TEST(ProbeFieldsE2E, CMembersPointersArraysBitfieldsEnumsFloats) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_fields");
    FieldRun run = run_fields(
        {bin + ":pf_handle_request { req->method, req->path, len = req->hdr.content_length, "
               "req->hdr.flags, req->hdr.host, req->conn->fd, req->conn->peer->name, "
               "port = req->conn->peer->port, req->urgent, req->retries, req->kind, req->u.id, "
               "req->ratio, req->weight, req->samples }"},
        {bin});
    auto r = of(run, "probe_fields:pf_handle_request");
    ASSERT_EQ(r.size(), 1u) << run.finished.out << run.finished.err;
    const JsonRecord& x = *r[0];
    EXPECT_EQ(x.str("req_method"), "PF_POST") << x.line();
    EXPECT_EQ(x.str("req_path"), PF_PATH);
    EXPECT_EQ(x.unum("len"), PF_CONTENT_LENGTH);
    EXPECT_EQ(x.unum("req_hdr_flags"), PF_FLAGS);
    EXPECT_EQ(x.str("req_hdr_host"), PF_HOST);  // char host[32]: a string
    EXPECT_EQ(x.num("req_conn_fd"), PF_CONN_FD);
    EXPECT_EQ(x.str("req_conn_peer_name"), PF_PEER_NAME);
    EXPECT_EQ(x.unum("port"), PF_PEER_PORT);
    EXPECT_EQ(x.unum("req_urgent"), PF_URGENT);
    EXPECT_EQ(x.unum("req_retries"), PF_RETRIES);
    EXPECT_EQ(x.unum("req_kind"), PF_KIND);
    EXPECT_EQ(x.unum("req_u_id"), PF_ID);
    EXPECT_EQ(x.real("req_ratio"), PF_RATIO);
    EXPECT_EQ(x.real("req_weight"), PF_WEIGHT);
    EXPECT_EQ(x.raw("req_samples"),
              fmt::format("[{},{},{},{}]", PF_SAMPLE0, PF_SAMPLE1, PF_SAMPLE2, PF_SAMPLE3));
    EXPECT_EQ(x.unum("req_samples_len"), 4u);
    EXPECT_FALSE(x.has("req_conn_fd_error"));
    // With captures and no parameter list, records carry the captures, not req.
    EXPECT_FALSE(x.has("req"));
}

TEST(ProbeFieldsE2E, NullPointerGivesNullAndNamesIt) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_fields");
    FieldRun run = run_fields(
        {bin + ":pf_handle_null { req->path, req->conn->fd, req->conn->peer->name }"}, {bin});
    auto r = of(run, "probe_fields:pf_handle_null");
    ASSERT_EQ(r.size(), 1u) << run.finished.out << run.finished.err;
    const JsonRecord& x = *r[0];
    EXPECT_EQ(x.str("req_path"), PF_NULL_PATH);
    EXPECT_EQ(x.raw("req_conn_fd"), "null") << x.line();
    EXPECT_EQ(x.str("req_conn_fd_error"), "null pointer: req->conn");
    EXPECT_EQ(x.raw("req_conn_peer_name"), "null");
    EXPECT_EQ(x.str("req_conn_peer_name_error"), "null pointer: req->conn");
}

TEST(ProbeFieldsE2E, DanglingPointerGivesNullAndNamesIt) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_fields");
    FieldRun run = run_fields({bin + ":pf_handle_dangling { req->hdr.content_length, req->path, "
                                     "req->conn->fd, req->conn->peer->name }"},
                              {bin});
    auto r = of(run, "probe_fields:pf_handle_dangling");
    ASSERT_EQ(r.size(), 1u) << run.finished.out << run.finished.err;
    const JsonRecord& x = *r[0];
    EXPECT_EQ(x.unum("req_hdr_content_length"), PF_CONTENT_LENGTH) << x.line();
    EXPECT_EQ(x.raw("req_path"), "null") << x.line();
    EXPECT_EQ(x.str("req_path_error"), "unreadable memory at req->path");
    EXPECT_EQ(x.raw("req_conn_fd"), "null");
    EXPECT_EQ(x.str("req_conn_fd_error"), "unreadable memory at req->conn");
    EXPECT_EQ(x.raw("req_conn_peer_name"), "null");
    EXPECT_EQ(x.str("req_conn_peer_name_error"), "unreadable memory at req->conn");
}

TEST(ProbeFieldsE2E, EightDereferencesAndAClearErrorForNine) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_fields");
    FieldRun run =
        run_fields({bin + ":pf_walk { v7 = n->next->next->next->next->next->next->next->value, "
                          "v1 = n->next->value, v0 = n->value }"},
                   {bin});
    auto r = of(run, "probe_fields:pf_walk");
    ASSERT_EQ(r.size(), 1u) << run.finished.out << run.finished.err;
    EXPECT_EQ(r[0]->num("v7"), PF_NODE_VALUE(7)) << r[0]->line();
    EXPECT_EQ(r[0]->num("v1"), PF_NODE_VALUE(1));
    EXPECT_EQ(r[0]->num("v0"), PF_NODE_VALUE(0));

    std::string nine =
        bin + ":pf_walk { n->next->next->next->next->next->next->next->next->value }";
    Finished f = test::run({probelog_bin(), "-o", "json", "--probe", nine, "--", bin});
    EXPECT_EQ(f.exit_code, 1) << f.err;
    EXPECT_EQ(f.err, "probelog: --probe '" + nine +
                         "': capture n->next->next->next->next->next->next->next->next->value: "
                         "more than 8 dereferences (pointers followed); capture a shorter path\n");
    EXPECT_EQ(f.out, "");
}

TEST(ProbeFieldsE2E, ByteOffsetsReadTheSameAsMembers) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_fields");
    FieldRun run = run_fields(
        {bin + ":pf_handle_request(ptr req) { req+16:u32, *(req+8):str, host = req+22:str, "
               "fd = *(req+56):s32, peer = *(*(req+56)+8):str, port = *(*(req+56)+8)+16:u16, "
               "req->neg }"},
        {bin});
    auto r = of(run, "probe_fields:pf_handle_request");
    ASSERT_EQ(r.size(), 1u) << run.finished.out << run.finished.err;
    const JsonRecord& x = *r[0];
    EXPECT_EQ(x.unum("req_16"), PF_CONTENT_LENGTH) << x.line();
    EXPECT_EQ(x.str("req_8"), PF_PATH);
    EXPECT_EQ(x.str("host"), PF_HOST);
    EXPECT_EQ(x.num("fd"), PF_CONN_FD);
    EXPECT_EQ(x.str("peer"), PF_PEER_NAME);
    EXPECT_EQ(x.unum("port"), PF_PEER_PORT);
    EXPECT_EQ(x.num("req_neg"), PF_NEG);  // the DWARF type of ptr req: members too
    EXPECT_TRUE(x.has("req"));            // a parameter list: the parameters are fields too
}

TEST(ProbeFieldsE2E, StructDefinedInAnotherCompilationUnit) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_fields");
    FieldRun run = run_fields({bin + ":pf_handle_opaque { o->secret, o->label }"}, {bin});
    auto r = of(run, "probe_fields:pf_handle_opaque");
    ASSERT_EQ(r.size(), 1u) << run.finished.out << run.finished.err;
    EXPECT_EQ(r[0]->num("o_secret"), 31337) << r[0]->line();
    EXPECT_EQ(r[0]->str("o_label"), "opaque-label");
}

TEST(ProbeFieldsE2E, CxxThisMembersStringsAndVectors) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_fields_cpp");
    FieldRun run =
        run_fields({bin + ":PfSession::serve { this->base_id, this->user, this->tag, this->ids, "
                          "this->long_user, this->count, this->ids[1], n }"},
                   {bin});
    auto r = of(run, "probe_fields_cpp:PfSession::serve");
    ASSERT_EQ(r.size(), 1u) << run.finished.out << run.finished.err;
    const JsonRecord& x = *r[0];
    EXPECT_EQ(x.num("this_base_id"), 77) << x.line();
    EXPECT_EQ(x.str("this_user"), "alice");
    EXPECT_EQ(x.unum("this_user_len"), 5u);
    EXPECT_EQ(x.str("this_tag"), "blue-tag");
    EXPECT_EQ(x.raw("this_ids"), "[10,20,30]");
    EXPECT_EQ(x.unum("this_ids_len"), 3u);
    EXPECT_EQ(x.str("this_long_user"), "a-user-name-longer-than-fifteen");
    EXPECT_EQ(x.num("this_count"), 3);
    EXPECT_EQ(x.num("this_ids_1"), 20);
    EXPECT_EQ(x.num("n"), 5);
}

TEST(ProbeFieldsE2E, GoStructsThroughPointersStringsSlicesMaps) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("go_fields");
    FieldRun run = run_fields(
        {bin + ":main.handle { req.ID, req.Method, req.URL.Host, req.URL.Path, "
               "req.URL.Port, req.Body:text, req.Sizes, req.Hdr.ContentLength, "
               "next = req.Next.URL.Path, req.Pair[1], req.Ok, req.Score, tags, req.Labels, "
               "nil_next = req.Next.Next.ID }"},
        {bin});
    auto r = of(run, "go_fields:main.handle");
    ASSERT_EQ(r.size(), 3u) << run.finished.out << run.finished.err;
    for (const JsonRecord* p : r) {
        const JsonRecord& x = *p;
        EXPECT_EQ(x.num("req_ID"), GF_ID) << x.line();
        EXPECT_EQ(x.str("req_Method"), GF_METHOD);
        EXPECT_EQ(x.str("req_URL_Host"), GF_URL_HOST);
        EXPECT_EQ(x.str("req_URL_Path"), GF_URL_PATH);
        EXPECT_EQ(x.unum("req_URL_Port"), GF_URL_PORT);
        EXPECT_EQ(x.str("req_Body"), GF_BODY);
        EXPECT_EQ(x.raw("req_Sizes"), "[7,-8,9]");
        EXPECT_EQ(x.unum("req_Sizes_len"), GF_SIZES_LEN);
        EXPECT_EQ(x.num("req_Hdr_ContentLength"), GF_CONTENT_LENGTH);
        EXPECT_EQ(x.str("next"), GF_NEXT_URL_PATH);
        EXPECT_EQ(x.num("req_Pair_1"), GF_PAIR1);
        EXPECT_TRUE(x.boolean("req_Ok"));
        EXPECT_EQ(x.real("req_Score"), GF_SCORE);
        EXPECT_EQ(x.unum("tags"), GF_TAGS_LEN);
        EXPECT_EQ(x.unum("req_Labels"), GF_LABELS_LEN);
        EXPECT_EQ(x.raw("nil_next"), "null");
        EXPECT_EQ(x.str("nil_next_error"), "null pointer: req.Next.Next");
    }
}

TEST(ProbeFieldsE2E, GoInterfacesAndErrorsByTheirDynamicType) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("go_fields");
    FieldRun run = run_fields({bin + ":main.handle { meta, err, req.Meta }"}, {bin});
    auto r = of(run, "go_fields:main.handle");
    ASSERT_EQ(r.size(), 3u) << run.finished.out << run.finished.err;
    // 1: a string and errors.New.
    EXPECT_EQ(r[0]->str("meta_type"), "string") << r[0]->line();
    EXPECT_EQ(r[0]->str("meta"), GF_META_STRING);
    EXPECT_EQ(r[0]->str("err_type"), "*errors.errorString");
    EXPECT_EQ(r[0]->str("err"), GF_ERR_TEXT);
    // 2: an int and fmt.Errorf with %w.
    EXPECT_EQ(r[1]->str("meta_type"), "int") << r[1]->line();
    EXPECT_EQ(r[1]->num("meta"), GF_META_INT);
    EXPECT_EQ(r[1]->str("err_type"), "*fmt.wrapError");
    EXPECT_EQ(r[1]->str("err"), GF_WRAPPED_TEXT);
    // 3: a pointer to a struct (its address) and a nil error.
    EXPECT_EQ(r[2]->str("meta_type"), "*main.URL") << r[2]->line();
    EXPECT_TRUE(r[2]->str("meta").starts_with("0x"));
    EXPECT_EQ(r[2]->raw("err"), "null");
    EXPECT_FALSE(r[2]->has("err_type"));
    EXPECT_FALSE(r[2]->has("err_error"));
    for (const JsonRecord* p : r) {  // an interface member of a struct
        EXPECT_EQ(p->str("req_Meta_type"), "string");
        EXPECT_EQ(p->str("req_Meta"), GF_IN_STRUCT_META);
    }
}

// A real net/http server: its /work handler's request, field by field, for
// requests the test sends (methods, paths with queries, headers added one by one).
TEST(ProbeFieldsE2E, GoHttpHandlerRequestFields) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("go_http");
    Process server({bin});
    ASSERT_TRUE(server.wait_for_stderr("listening on 127.0.0.1:")) << server.err();
    std::string err = server.err();
    int port = std::atoi(err.substr(err.find("127.0.0.1:") + 10).c_str());
    ASSERT_GT(port, 0) << err;
    // The /work handler is the closure main.main.func1(w http.ResponseWriter, r *http.Request).
    Process tracer({probelog_bin(), "-o", "json", "--poll-ms", "20", "--pid",
                    std::to_string(server.pid()), "--probe",
                    bin + ":main.main.func1 { r.Method, r.URL.Path, r.URL.RawQuery, "
                          "r.ContentLength, headers = r.Header, r.Host }"});
    ASSERT_TRUE(tracer.wait_for_stderr("Ctrl-C to stop")) << tracer.err();
    httplib::Client client("127.0.0.1", port);
    constexpr int kRequests = 6;
    for (int i = 0; i < kRequests; ++i) {
        httplib::Headers headers;
        for (int k = 0; k < i; ++k)
            headers.emplace(fmt::format("X-Extra-{}", k), "v");
        std::string target = fmt::format("/work?n={}&name=req{}", i, i);
        auto res = i % 2 == 0
                       ? client.Post(target, headers, std::string(static_cast<size_t>(10 + i), 'b'),
                                     "application/octet-stream")
                       : client.Get(target, headers);
        ASSERT_TRUE(res) << httplib::to_string(res.error());
    }
    ASSERT_TRUE(client.Get("/quit"));
    EXPECT_EQ(server.wait().exit_code, 0);
    usleep(100000);
    std::vector<JsonRecord> all = stop_and_parse(tracer);
    std::vector<const JsonRecord*> records;
    for (const JsonRecord& r : all) {
        if (r.str("probe") == "go_http:main.main.func1") records.push_back(&r);
    }
    ASSERT_EQ(records.size(), static_cast<size_t>(kRequests)) << tracer.err();
    uint64_t base = records[0]->unum("headers");
    for (int i = 0; i < kRequests; ++i) {
        const JsonRecord& r = *records[static_cast<size_t>(i)];
        bool post = i % 2 == 0;
        EXPECT_EQ(r.str("r_Method"), post ? "POST" : "GET") << r.line();
        EXPECT_EQ(r.str("r_URL_Path"), "/work");
        EXPECT_EQ(r.str("r_URL_RawQuery"), fmt::format("n={}&name=req{}", i, i));
        EXPECT_EQ(r.num("r_ContentLength"), post ? 10 + i : 0);
        EXPECT_EQ(r.str("r_Host"), fmt::format("127.0.0.1:{}", port));
        // GETs carry no Content-Type and Content-Length headers; each request i adds i.
        EXPECT_EQ(r.unum("headers"), base + static_cast<uint64_t>(i) - (post ? 0 : 2)) << r.line();
    }
}

TEST(ProbeFieldsE2E, ErrorsNameTheProblemAndTheFix) {
    PROBELOG_REQUIRE_ROOT();
    std::string bin = testprog("probe_fields");
    std::string nodwarf = testprog("probe_target_nodwarf");
    struct Case {
        std::string spec;
        std::string message;
    };
    const std::vector<Case> cases = {
        {bin + ":pf_handle_request { req->hdr.lenght }",
         "capture req->hdr.lenght: struct pf_header has no member 'lenght' (members: "},
        {bin + ":pf_handle_request { req->hdr }",
         "capture req->hdr: req->hdr is a struct pf_header: capture its members (content_length"},
        {bin + ":pf_handle_request { req.conn->fd.x }", "has no member 'x'"},
        {bin + ":pf_handle_request { rq->path }",
         "capture rq->path: 'rq' is not a parameter of pf_handle_request (parameters: req"},
        {nodwarf + ":pt_str { s->x }", "not a parameter"},
        {nodwarf + ":pt_str(ptr s) { s->x }",
         "capture s->x: '->x' needs the type of s, and there is no DWARF for it (a stripped "
         "binary?): use byte offsets (s+OFFSET:TYPE, *(s+OFFSET):str) or install its debug "
         "file"},
    };
    for (const Case& c : cases) {
        Finished f = run({probelog_bin(), "-o", "json", "--probe", c.spec, "--", bin});
        EXPECT_EQ(f.exit_code, 1) << c.spec << "\n" << f.err;
        EXPECT_NE(f.err.find(c.message), std::string::npos) << c.message << "\n" << f.err;
        EXPECT_EQ(std::count(f.err.begin(), f.err.end(), '\n'), 1) << f.err;
        EXPECT_EQ(f.out, "") << c.spec;
    }
}

}  // namespace
}  // namespace probelog::test
