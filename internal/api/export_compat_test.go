package api

import "sort"

// DispatchedActions lists the actions the handler serves (for api_test).
func DispatchedActions() []string {
	var out []string
	for name := range (&Handler{}).operations() {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// UnsupportedActions lists the actions answered with UnsupportedOperation.
func UnsupportedActions() []string {
	var out []string
	for name := range unsupported {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
