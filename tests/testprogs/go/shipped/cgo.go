//go:build cgo

package main

// static long pl_mul(long a, long b) { return a * b; }
import "C"

const cgoBuild = true

// mul multiplies in C: the program has C code, a .dynsym and C functions in
// its .text before the Go ones.
func mul(a, b int) int { return int(C.pl_mul(C.long(a), C.long(b))) }
