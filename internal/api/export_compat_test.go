package api

import "sort"

// ActionInfo is one row of the action table as tests see it.
type ActionInfo struct {
	Name     string
	Served   bool // false: answered with UnsupportedOperation
	Mutating bool
}

// Actions lists the action table, sorted by name (for api_test).
func Actions() []ActionInfo {
	var out []ActionInfo
	for name, a := range actions {
		out = append(out, ActionInfo{Name: name, Served: a.op != nil, Mutating: a.mutating})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DispatchedActions lists the actions the handler serves (for api_test).
func DispatchedActions() []string { return names(true) }

// UnsupportedActions lists the actions answered with UnsupportedOperation.
func UnsupportedActions() []string { return names(false) }

func names(served bool) []string {
	var out []string
	for _, a := range Actions() {
		if a.Served == served {
			out = append(out, a.Name)
		}
	}
	return out
}
