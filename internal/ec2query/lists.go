package ec2query

import (
	"sort"
	"strconv"
	"strings"
)

// Filter is one Filter.N element: Filter.N.Name and Filter.N.Value.M.
type Filter struct {
	Name   string
	Values []string
}

// Tag is one name.N element with name.N.Key and name.N.Value.
type Tag struct{ Key, Value string }

// TagMatch is a tag whose value may be absent. DeleteTags distinguishes an
// absent value (delete whatever the value) from an empty one.
type TagMatch struct {
	Key   string
	Value *string
}

// TagSpecification is one TagSpecification.N element.
type TagSpecification struct {
	ResourceType string
	Tags         []Tag
}

// indices returns the distinct element indices N, in numeric order, of the
// keys "prefix.N" and "prefix.N.…". Indices are 1-based decimals without
// leading zeros; anything else records InvalidParameter. Gaps are fine
// (botocore never sends them, but hand-written clients do).
func (p *Params) indices(prefix string) []int {
	dot := prefix + "."
	var idx []int
	seen := map[int]bool{}
	for i := sort.SearchStrings(p.keys, dot); i < len(p.keys) && strings.HasPrefix(p.keys[i], dot); i++ {
		tok, _, _ := strings.Cut(p.keys[i][len(dot):], ".")
		n, ok := parseIndex(tok)
		if !ok {
			p.fail(errorf(CodeInvalidParameter,
				"The parameter %s is malformed: list index %q must be a positive integer without leading zeros.", echo(p.keys[i]), echo(tok)))
			return nil
		}
		if !seen[n] {
			seen[n] = true
			idx = append(idx, n)
		}
	}
	if len(idx) > MaxListElements {
		p.fail(errorf(CodeInvalidParameterValue, "The list parameter %s has more than %d elements.", prefix, MaxListElements))
		return nil
	}
	sort.Ints(idx)
	return idx
}

// parseIndex accepts 1..999999999; nine digits keep it within any int.
func parseIndex(s string) (int, bool) {
	if s == "" || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(s)
	return n, true
}

func elem(prefix string, n int) string { return prefix + "." + strconv.Itoa(n) }

// StringList returns name.1, name.2, … in index order (nil if none).
func (p *Params) StringList(name string) []string {
	var out []string
	for _, n := range p.indices(name) {
		if v, ok := p.get(elem(name, n)); ok {
			out = append(out, v)
		}
	}
	return out
}

// Filters returns Filter.N.Name / Filter.N.Value.M. A filter without Name
// records MissingParameter.
func (p *Params) Filters() []Filter {
	var out []Filter
	for _, n := range p.indices("Filter") {
		e := elem("Filter", n)
		name, ok := p.get(e + ".Name")
		values := p.StringList(e + ".Value")
		if !ok {
			p.fail(missing(e + ".Name"))
			continue
		}
		out = append(out, Filter{Name: name, Values: values})
	}
	return out
}

// Tags returns name.N.Key / name.N.Value (e.g. "Tag",
// "AllocationResourceTag"). Key is required; an absent Value is "".
func (p *Params) Tags(name string) []Tag {
	var out []Tag
	for _, t := range p.TagMatches(name) {
		tag := Tag{Key: t.Key}
		if t.Value != nil {
			tag.Value = *t.Value
		}
		out = append(out, tag)
	}
	return out
}

// TagMatches is Tags but keeps whether Value was sent at all.
func (p *Params) TagMatches(name string) []TagMatch {
	var out []TagMatch
	for _, n := range p.indices(name) {
		e := elem(name, n)
		key, ok := p.get(e + ".Key")
		t := TagMatch{Key: key}
		if v, present := p.get(e + ".Value"); present {
			t.Value = &v
		}
		if !ok {
			p.fail(missing(e + ".Key"))
			continue
		}
		out = append(out, t)
	}
	return out
}

// TagSpecifications returns TagSpecification.N.ResourceType and
// TagSpecification.N.Tag.M.Key/Value. An absent ResourceType is "" and left
// for the handler to judge, since the valid types depend on the operation.
func (p *Params) TagSpecifications() []TagSpecification {
	var out []TagSpecification
	for _, n := range p.indices("TagSpecification") {
		e := elem("TagSpecification", n)
		rt, _ := p.get(e + ".ResourceType")
		out = append(out, TagSpecification{ResourceType: rt, Tags: p.Tags(e + ".Tag")})
	}
	return out
}

// RegionList returns name.N.RegionName (OperatingRegion, AddOperatingRegion,
// RemoveOperatingRegion). A missing RegionName records MissingParameter.
func (p *Params) RegionList(name string) []string {
	var out []string
	for _, n := range p.indices(name) {
		e := elem(name, n) + ".RegionName"
		r, ok := p.get(e)
		if !ok {
			p.fail(missing(e))
			continue
		}
		out = append(out, r)
	}
	return out
}
