/* The values the probe test programs pass to their probed functions, shared
 * with the tests that check them (tests/{unit,kernel,e2e}/probe_*). */
#ifndef PROBELOG_TESTPROGS_PROBE_VALUES_H
#define PROBELOG_TESTPROGS_PROBE_VALUES_H

#define PT_ADD_A 40
#define PT_ADD_B 2

/* pt_signed(s8, s16, s32, s64, long, int): extremes of every width. */
#define PT_S8 (-128)
#define PT_S16 (-32768)
#define PT_S32 (-2147483647 - 1)
#define PT_S64 (-9223372036854775807LL - 1)
#define PT_SLONG (-1234567890123LL)
#define PT_SINT (-7)

/* pt_unsigned(u8, u16, u32, u64, bool, char) */
#define PT_U8 255
#define PT_U16 65535
#define PT_U32 4294967295U
#define PT_U64 18446744073709551615ULL
#define PT_BOOL 1
#define PT_CHAR 'Z'

#define PT_PTR 0x1234567890abcdefULL

#define PT_SHORT_STR "hello, probes"
/* 300 characters: longer than the default str cap (128). */
#define PT_LONG_STR_LEN 300

#define PT_SMALL_BUF_LEN 32 /* bytes i * 3 + 1 */
#define PT_BIG_BUF_LEN 1000 /* longer than the default buf cap (256) */

/* pt_many(a0..a9): a_i = (i + 1) * 1111; a6..a9 are on the stack. */
#define PT_MANY_ARG(i) (((long)(i) + 1) * 1111)

#define PT_SLEEP_MS 50
#define PT_RECURSE_DEPTH 5
#define PT_GREETING "greetings from pt_greeting"

/* pt_log_append (a Fluent Bit-like flb_input_log_append): a tag and a msgpack
 * record [[1700000000, {}], {"message": "I am a very large buffer", "level": 3}],
 * whole and then cut 3 bytes short. */
#define PT_LOG_TAG "app\tlog"
#define PT_LOG_RECORD \
    "\x92\x92\xce\x65\x53\xf1\x00\x80\x82\xa7message\xb8I am a very large buffer\xa5level\x03"
#define PT_LOG_RECORD_JSON \
    "[[1700000000,{}],{\"message\":\"I am a very large buffer\",\"level\":3}]"

/* The library's pl_lib_mul(a, b): b is fixed, a comes from the command line. */
#define PT_LIB_B 7

#endif
