package main

import (
	"bytes"
	"net/url"
	"strconv"

	"github.com/ipamd/ipamd/bench/internal/harness"
)

var between = harness.Between

// page is what a listing answer holds for the benchmark: how many
// allocations, and the token of the next page.
func page(b []byte) (items int, next string) {
	items = bytes.Count(b, []byte("</cidr>"))
	next, _ = between(b, "<nextToken>", "</nextToken>")
	return items, next
}

func filter(v url.Values, n int, name string, values ...string) {
	p := "Filter." + strconv.Itoa(n)
	v.Set(p+".Name", name)
	for i, x := range values {
		v.Set(p+".Value."+strconv.Itoa(i+1), x)
	}
}
