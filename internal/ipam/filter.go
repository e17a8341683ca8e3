package ipam

import (
	"context"
	"sort"
	"strings"
)

// fields names the filterable attributes of one resource type: filter name
// to the values the resource has for it.
type fields[T any] map[string]func(T) []string

// matcher is a compiled filter list: filters AND, values OR.
type matcher[T any] func(T) bool

// compileFilters checks every filter name against fields (plus tag:<key> and
// tag-key when tags is non-nil) and returns the predicate. An unknown name is
// an error rather than a silent match-all.
func compileFilters[T any](filters []Filter, fs fields[T], tags func(T) []Tag) (matcher[T], error) {
	var preds []func(T) bool
	for _, f := range filters {
		if f.Name == "" {
			return nil, errorf(CodeMissingParameter, "The request must contain the parameter Filter.Name")
		}
		if len(f.Values) == 0 {
			return nil, invalidValue("The filter '%s' must have at least one value.", echo(f.Name))
		}
		values := f.Values
		switch {
		case fs[f.Name] != nil:
			get := fs[f.Name]
			preds = append(preds, func(v T) bool { return anyMatch(values, get(v)) })
		case tags != nil && strings.HasPrefix(f.Name, "tag:") && len(f.Name) > 4:
			key := f.Name[4:]
			preds = append(preds, func(v T) bool {
				for _, t := range tags(v) {
					if t.Key == key && anyMatch(values, []string{t.Value}) {
						return true
					}
				}
				return false
			})
		case tags != nil && f.Name == "tag-key":
			preds = append(preds, func(v T) bool {
				for _, t := range tags(v) {
					if anyMatch(values, []string{t.Key}) {
						return true
					}
				}
				return false
			})
		default:
			return nil, invalidValue("The filter '%s' is invalid", echo(f.Name))
		}
	}
	return func(v T) bool {
		for _, p := range preds {
			if !p(v) {
				return false
			}
		}
		return true
	}, nil
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if globMatch(p, v) {
				return true
			}
		}
	}
	return false
}

// globMatch reports whether s matches pattern, where `*` matches any run of
// characters, `?` exactly one, and a backslash makes the next one literal.
// Greedy with one backtrack point: O(len(p)*len(s)) at worst, no recursion.
func globMatch(pattern, s string) bool {
	p := []rune(pattern)
	r := []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(r) {
		if pi < len(p) {
			switch c := p[pi]; {
			case c == '*':
				star, mark = pi, si
				pi++
				continue
			case c == '?':
				pi++
				si++
				continue
			case c == '\\' && pi+1 < len(p):
				if p[pi+1] == r[si] {
					pi += 2
					si++
					continue
				}
			case c == r[si]:
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		pi = star + 1
		mark++
		si = mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// isLiteral reports whether a filter value has no wildcard, so it can be
// looked up by index instead of matched.
func isLiteral(v string) bool { return !strings.ContainsAny(v, `*?\`) }

func str(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func strp(s *string) []string {
	if s == nil {
		return nil
	}
	return []string{*s}
}

func boolStr(b bool) []string {
	if b {
		return []string{"true"}
	}
	return []string{"false"}
}

// page returns one page of items (sorted by key) after the position in
// in.NextToken, and the token for the next page.
func page[T any](s *Service, ctx context.Context, kind, scope string, items []T, key func(T) string, pg Page, lim pageLimits) ([]T, string, error) {
	n, err := lim.size(pg.MaxResults)
	if err != nil {
		return nil, "", err
	}
	after, err := s.readToken(ctx, pg.NextToken, kind, scope)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if after != "" {
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	end := start + n
	if end >= len(items) {
		return items[start:], "", nil
	}
	next, err := s.makeToken(ctx, kind, scope, key(items[end-1]))
	return items[start:end], next, err
}

// pageLimits are an operation's MaxResults bounds and default.
type pageLimits struct{ min, max, def int }

var (
	describeLimits   = pageLimits{min: 5, max: 1000, def: 1000}
	allocationLimits = pageLimits{min: 1000, max: 100000, def: 1000}
)

func (l pageLimits) size(max *int) (int, error) {
	if max == nil {
		return l.def, nil
	}
	if *max < l.min || *max > l.max {
		return 0, invalidValue("Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", *max, l.min, l.max)
	}
	return *max, nil
}
