// go_loop N: calls add() N times, timed around the loop only, and prints
// "ops=N seconds=S" like the shared bench workloads (wl_ufunc).
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

//go:noinline
func add(a, b int) int {
	return a + b
}

func main() {
	n := 1000000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	sum := 0
	start := time.Now()
	for i := 0; i < n; i++ {
		sum = add(sum, i)
	}
	secs := time.Since(start).Seconds()
	fmt.Printf("ops=%d seconds=%.6f sum=%d\n", n, secs, sum)
}
