// go_concurrent [WORKERS [CALLS]]: WORKERS goroutines each call mix() CALLS
// times at once; some calls sleep inside, so that the goroutine may resume on
// another thread before mix returns. Prints the number of calls, a checksum,
// and how many calls returned on another thread than they started on.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var migrated int64

// mix(worker, i, tag) = worker*1000003 + i*7 + len(tag).
//
//go:noinline
func mix(worker int, i int, tag string) int {
	if i%8 == 0 {
		tid := syscall.Gettid()
		time.Sleep(50 * time.Microsecond)
		if syscall.Gettid() != tid {
			atomic.AddInt64(&migrated, 1)
		}
	} else if i%3 == 0 {
		runtime.Gosched()
	}
	return worker*1000003 + i*7 + len(tag)
}

func main() {
	workers, calls := 32, 100
	if len(os.Args) > 1 {
		workers, _ = strconv.Atoi(os.Args[1])
	}
	if len(os.Args) > 2 {
		calls, _ = strconv.Atoi(os.Args[2])
	}
	runtime.GOMAXPROCS(4)
	var wg sync.WaitGroup
	var sum int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			tag := fmt.Sprintf("worker-%d", w)
			for i := 0; i < calls; i++ {
				atomic.AddInt64(&sum, int64(mix(w, i, tag)))
			}
		}(w)
	}
	wg.Wait()
	fmt.Printf("calls=%d sum=%d migrated=%d\n", workers*calls, sum, migrated)
}
