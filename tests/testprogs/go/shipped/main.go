// go_shipped*: one program built the ways Go programs ship (issue 14):
// stripped (-ldflags=-s -w), with and without cgo, position independent or
// not, -trimpath. `go_shipped N` makes N rounds of calls to the functions
// below and prints one line per round with what each returned, so that a
// test can check every captured argument and result against it.
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// handle takes Go's three common shapes: an int, a string, a []byte.
// handle(n, name, body) = n*100000 + len(name)*1000 + sum(body)%1000 + mul(n, 3)
// (mul goes through C in the cgo builds).
//
//go:noinline
func handle(n int, name string, body []byte) int {
	sum := 0
	for _, b := range body {
		sum += int(b)
	}
	return n*100000 + len(name)*1000 + sum%1000 + mul(n, 3)
}

// classify has a RET for each case: every one must be probed.
//
//go:noinline
func classify(n int) string {
	switch {
	case n%3 == 0:
		return "fizz"
	case n%3 == 1:
		return "buzz"
	}
	if n > 100 {
		return "big"
	}
	return "other"
}

// Store has a method with a pointer receiver: a name with parentheses.
type Store struct {
	items map[string]int
}

var errNegative = errors.New("negative value")

// Put returns the number of items, or an error for a negative value.
//
//go:noinline
func (s *Store) Put(key string, value int) (int, error) {
	if value < 0 {
		return 0, errNegative
	}
	s.items[key] = value
	return len(s.items), nil
}

func main() {
	rounds := 3
	if len(os.Args) > 1 {
		rounds, _ = strconv.Atoi(os.Args[1])
	}
	store := &Store{items: map[string]int{}}
	for i := 0; i < rounds; i++ {
		name := "item-" + strings.Repeat("x", i)
		body := []byte(fmt.Sprintf("body%d", i))
		h := handle(i+1, name, body)
		c := classify(i)
		n, err := store.Put(name, i-1)
		fmt.Printf("round=%d handle=%d classify=%s put=%d err=%v\n", i, h, c, n, err)
	}
	fmt.Printf("cgo=%v\n", cgoBuild)
}
