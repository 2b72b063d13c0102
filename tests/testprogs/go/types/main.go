// go_types: functions whose parameters and results cover Go's register ABI
// (every integer size, bool, pointers, strings, slices, interfaces, structs
// split into registers, values that go on the stack, floats that take X
// registers), each called once with the values below. The tests read the
// same values from the records.
package main

import (
	"errors"
	"fmt"
	"os"
)

type Point struct {
	X, Y int32
}

// Rect fits in registers: X, Y, X, Y, then Name's pointer and length.
type Rect struct {
	Min, Max Point
	Name     string
}

// Big holds an array of more than one element: never in registers.
type Big struct {
	A   [3]int
	Tag string
}

// Mixed has a float between integers: ID and Ok take integer registers, Ratio X0.
type Mixed struct {
	ID    uint16
	Ratio float64
	Ok    bool
}

// scalars has ten integer words: the tenth (p) does not fit in the nine
// integer registers and goes on the stack.
//
//go:noinline
func scalars(a int8, b int16, c int32, d int64, e uint8, f uint16, g uint32, h uint64, ok bool, p uintptr) int64 {
	s := int64(a) + int64(b) + int64(c) + d + int64(e) + int64(f) + int64(g) + int64(h) + int64(p)
	if ok {
		s++
	}
	return s
}

//go:noinline
func rectArea(r Rect, scale int) (int, error) {
	w := int(r.Max.X - r.Min.X)
	h := int(r.Max.Y - r.Min.Y)
	if w < 0 || h < 0 {
		return 0, errors.New("negative " + r.Name)
	}
	return w * h * scale, nil
}

//go:noinline
func bigSum(b Big, extra int) int {
	return b.A[0] + b.A[1] + b.A[2] + len(b.Tag) + extra
}

//go:noinline
func mixed(m Mixed, x float64, n int) (uint16, bool) {
	return m.ID + uint16(n), m.Ok && x > m.Ratio
}

//go:noinline
func computeE(iterations int64) float64 {
	e, f := 1.0, 1.0
	for i := int64(1); i < iterations; i++ {
		f *= float64(i)
		e += 1 / f
	}
	return e
}

//go:noinline
func pick(list []string, i int) string {
	return list[i]
}

//go:noinline
func describe(v any, err error) string {
	if err != nil {
		return fmt.Sprint(v, ": ", err)
	}
	return fmt.Sprint(v)
}

//go:noinline
func (p *Point) Move(dx int32) int32 {
	p.X += dx
	return p.X
}

//go:noinline
func fill(buf []byte, b byte) int {
	for i := range buf {
		buf[i] = b
	}
	return len(buf)
}

func main() {
	fmt.Println("scalars", scalars(-8, -1600, -320000, -6400000000, 200, 60000, 4000000000, 18000000000000000000, true, 0x1234))
	area, err := rectArea(Rect{Point{1, 2}, Point{11, 7}, "box"}, 3)
	fmt.Println("rectArea", area, err)
	_, err = rectArea(Rect{Point{5, 5}, Point{1, 1}, "bad"}, 1)
	fmt.Println("rectArea", err)
	fmt.Println("bigSum", bigSum(Big{[3]int{100, 200, 300}, "four"}, 5))
	id, ok := mixed(Mixed{ID: 40, Ratio: 0.5, Ok: true}, 2.5, 2)
	fmt.Println("mixed", id, ok)
	fmt.Println("computeE", computeE(20))
	fmt.Println("pick", pick([]string{"zero", "one", "two"}, 2))
	fmt.Println("describe", describe(42, errors.New("boom")))
	p := &Point{3, 4}
	fmt.Println("Move", p.Move(10))
	buf := make([]byte, 6, 16)
	fmt.Println("fill", fill(buf, 'z'), string(buf))
	if len(os.Args) > 1 {
		fmt.Println("args", len(os.Args))
	}
}
