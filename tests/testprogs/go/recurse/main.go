// go_recurse [DEPTH [ROUNDS]]: depth() recurses DEPTH levels with a big frame,
// in a fresh goroutine (an 8 KiB stack) per round, so that the runtime grows
// the stack by copying it to a twice larger one again and again while the
// calls are in flight. Prints each round's result and a checksum of what the
// frames held: the output is the same traced or not.
package main

import (
	"fmt"
	"os"
	"strconv"
	"unsafe"
)

// depth(n, tag) = len(tag) + sum of k%48 for k in 1..n; each frame holds 48
// words that it checks after the recursive call (a bad stack copy shows).
//
//go:noinline
func depth(n int, tag string) int {
	var frame [48]int
	for i := range frame {
		frame[i] = n*48 + i
	}
	if n == 0 {
		return len(tag)
	}
	below := depth(n-1, tag)
	for i := range frame {
		if frame[i] != n*48+i {
			panic("frame changed under the call")
		}
	}
	return below + frame[n%48] - n*48
}

func main() {
	n, rounds := 15000, 2
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	if len(os.Args) > 2 {
		rounds, _ = strconv.Atoi(os.Args[2])
	}
	for r := 0; r < rounds; r++ {
		done := make(chan int)
		moved := make(chan bool, 1)
		go func() {
			// Where a local of this goroutine is before and after the
			// recursion: a different address when the stack was copied.
			var marker int
			before := uintptr(unsafe.Pointer(&marker))
			v := depth(n, "go-recurse")
			moved <- uintptr(unsafe.Pointer(&marker)) != before
			done <- v
		}()
		v := <-done
		fmt.Printf("round %d: depth(%d) = %d, stack moved: %v\n", r, n, v, <-moved)
	}
	want := len("go-recurse")
	for k := 1; k <= n; k++ {
		want += k % 48
	}
	fmt.Printf("expected %d\n", want)
}
