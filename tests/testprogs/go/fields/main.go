// go_fields [N]: a Go program whose function tests read through field
// expressions: nested pointers, strings, []byte, []int64, an embedded struct,
// a map, interfaces (any holding a string, an int and a *URL; error values
// from errors.New and fmt.Errorf with %w). Runs N rounds (default 1); each
// calls main.handle three times, in this order:
//
//	handle(req, "meta-string", errBase, tags)  // meta: string, err: *errors.errorString
//	handle(req, 42, errWrapped, tags)          // meta: int, err: *fmt.wrapError
//	handle(req, req.URL, nil, tags)            // meta: *URL, err: nil
//
// with req, tags and the error texts below; values.h has the same values
// for the C++ tests. Prints nothing.
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"unsafe"
)

// Base is embedded in Request: req.ID and req.Name reach its fields.
type Base struct {
	ID   int64  // 1001
	Name string // "base-name"
}

type URL struct {
	Scheme string // "https"
	Host   string // "example.org"
	Path   string // "/v1/items"
	Port   uint16 // 8443
}

type Header struct {
	ContentLength int64 // 1234
	Flags         uint16
}

type Request struct {
	Base                  // embedded, at 0
	Method string         // "POST"
	URL    *URL           // never nil
	Body   []byte         // "hello-body"
	Sizes  []int64        // {7, -8, 9}
	Hdr    Header         // {1234, 0xa5}
	Next   *Request       // a second request, whose Next is nil
	Labels map[string]int // {"a": 1, "b": 2}
	Meta   any            // "in-struct"
	Pair   [2]int32       // {-1, 2}
	Ok     bool           // true
	Score  float64        // 0.25
}

// The offsets the unit tests expect (tests/unit/dwarf_types_test.cpp): the
// program refuses to run if the compiler lays Request out otherwise.
func init() {
	var r Request
	var u URL
	offsets := []uintptr{
		unsafe.Offsetof(r.Method), 24, unsafe.Offsetof(r.URL), 40,
		unsafe.Offsetof(r.Body), 48, unsafe.Offsetof(r.Sizes), 72,
		unsafe.Offsetof(r.Hdr), 96, unsafe.Offsetof(r.Next), 112,
		unsafe.Offsetof(r.Labels), 120, unsafe.Offsetof(r.Meta), 128,
		unsafe.Offsetof(r.Pair), 144, unsafe.Offsetof(r.Ok), 152,
		unsafe.Offsetof(r.Score), 160, unsafe.Sizeof(r), 168,
		unsafe.Offsetof(r.Name), 8, unsafe.Offsetof(u.Path), 32,
		unsafe.Offsetof(u.Port), 48,
	}
	for i := 0; i < len(offsets); i += 2 {
		if offsets[i] != offsets[i+1] {
			panic(fmt.Sprintf("layout: offset %d is %d, not %d", i/2, offsets[i], offsets[i+1]))
		}
	}
}

var errBase = errors.New("not found")
var errWrapped = fmt.Errorf("wrap: %w", errBase)

//go:noinline
func handle(req *Request, meta any, err error, tags map[string]int) int {
	n := len(req.Method) + len(tags)
	if err != nil {
		n += len(err.Error())
	}
	if meta != nil {
		n++
	}
	return n
}

func main() {
	rounds := 1
	if len(os.Args) > 1 {
		rounds, _ = strconv.Atoi(os.Args[1])
	}
	next := &Request{
		Base:   Base{ID: 1002, Name: "next-name"},
		Method: "GET",
		URL:    &URL{Scheme: "http", Host: "next.example.org", Path: "/next", Port: 80},
	}
	req := &Request{
		Base:   Base{ID: 1001, Name: "base-name"},
		Method: "POST",
		URL:    &URL{Scheme: "https", Host: "example.org", Path: "/v1/items", Port: 8443},
		Body:   []byte("hello-body"),
		Sizes:  []int64{7, -8, 9},
		Hdr:    Header{ContentLength: 1234, Flags: 0xa5},
		Next:   next,
		Labels: map[string]int{"a": 1, "b": 2},
		Meta:   "in-struct",
		Pair:   [2]int32{-1, 2},
		Ok:     true,
		Score:  0.25,
	}
	tags := map[string]int{"x": 10, "y": 20, "z": 30}
	total := 0
	for r := 0; r < rounds; r++ {
		total += handle(req, "meta-string", errBase, tags)
		total += handle(req, 42, errWrapped, tags)
		total += handle(req, req.URL, nil, tags)
	}
	if total == 42 {
		os.Exit(3) // keeps the results live
	}
}
