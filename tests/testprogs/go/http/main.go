// go_http: an HTTP server on 127.0.0.1 (an ephemeral port, printed on stderr
// as "listening on 127.0.0.1:PORT") whose /work handler calls work() with the
// request's n and name query parameters and its body. GET /quit exits.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// work is what the tests probe: an int, a string and a []byte in, an int out.
// It sleeps n%3 ms, so that its latency is known to be at least that.
//
//go:noinline
func work(n int, name string, body []byte) int {
	time.Sleep(time.Duration(n%3) * time.Millisecond)
	sum := 0
	for _, b := range body {
		sum += int(b)
	}
	return n*1000000 + len(name)*1000 + sum%1000
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d\n", work(n, r.URL.Query().Get("name"), body))
	})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "bye")
		go func() {
			time.Sleep(20 * time.Millisecond)
			os.Exit(0)
		}()
	})
	fmt.Fprintf(os.Stderr, "listening on %s\n", ln.Addr())
	if err := http.Serve(ln, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
