/* The values go_fields (tests/testprogs/go/fields/main.go) passes to
 * main.handle(req *Request, meta any, err error, tags map[string]int), for
 * the C++ tests. Each round makes three calls, in order:
 *   1. meta = GF_META_STRING (string),  err = errors.New(GF_ERR_TEXT)
 *   2. meta = GF_META_INT (int),        err = fmt.Errorf("wrap: %w", ...): GF_WRAPPED_TEXT
 *   3. meta = req.URL (*main.URL),      err = nil
 * tags is the same map every time: GF_TAGS_LEN entries. */
#ifndef PROBELOG_TESTPROGS_GO_FIELDS_VALUES_H
#define PROBELOG_TESTPROGS_GO_FIELDS_VALUES_H

#define GF_META_STRING "meta-string"
#define GF_META_INT 42
#define GF_ERR_TEXT "not found"
#define GF_WRAPPED_TEXT "wrap: not found"
#define GF_TAGS_LEN 3 /* {"x": 10, "y": 20, "z": 30} */

/* *req */
#define GF_ID 1001                /* req.ID (req.Base.ID, embedded) */
#define GF_NAME "base-name"       /* req.Name (req.Base.Name) */
#define GF_METHOD "POST"          /* req.Method */
#define GF_URL_SCHEME "https"     /* req.URL.Scheme */
#define GF_URL_HOST "example.org" /* req.URL.Host */
#define GF_URL_PATH "/v1/items"   /* req.URL.Path */
#define GF_URL_PORT 8443          /* req.URL.Port (uint16) */
#define GF_BODY "hello-body"      /* req.Body ([]byte) */
#define GF_SIZES \
    { 7, -8, 9 } /* req.Sizes ([]int64) */
#define GF_SIZES_LEN 3
#define GF_CONTENT_LENGTH 1234        /* req.Hdr.ContentLength (int64) */
#define GF_FLAGS 0xa5                 /* req.Hdr.Flags (uint16) */
#define GF_LABELS_LEN 2               /* req.Labels: {"a": 1, "b": 2} */
#define GF_IN_STRUCT_META "in-struct" /* req.Meta (any holding a string) */
#define GF_PAIR0 (-1)                 /* req.Pair[0] ([2]int32) */
#define GF_PAIR1 2
#define GF_OK 1       /* req.Ok */
#define GF_SCORE 0.25 /* req.Score */

/* *req.Next: Next is nil there. */
#define GF_NEXT_ID 1002
#define GF_NEXT_NAME "next-name"
#define GF_NEXT_METHOD "GET"
#define GF_NEXT_URL_HOST "next.example.org"
#define GF_NEXT_URL_PATH "/next"
#define GF_NEXT_URL_PORT 80

#endif
