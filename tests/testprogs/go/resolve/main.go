// go_resolve NAME: looks NAME up with Go's own resolver (CGO_ENABLED=0: the
// pure Go one, reading /etc/resolv.conf; connected UDP sockets, write and
// read) and prints each address on a line. For the dns trace's tests.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
)

func main() {
	r := &net.Resolver{PreferGo: true}
	addrs, err := r.LookupHost(context.Background(), os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, a := range addrs {
		fmt.Println(a)
	}
}
