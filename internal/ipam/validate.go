package ipam

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

const (
	maxTagsPerResource = 50
	maxTagKeyLen       = 128
	maxTagValueLen     = 256
	maxDescriptionLen  = 255
	maxRegions         = 50
)

// tagsFromSpecs returns the tags the specifications give resourceType.
func tagsFromSpecs(specs []TagSpecification, resourceType string) ([]Tag, error) {
	var tags []Tag
	for _, sp := range specs {
		if sp.ResourceType == "" {
			return nil, errorf(CodeMissingParameter, "The request must contain the parameter TagSpecification.ResourceType")
		}
		if sp.ResourceType != resourceType {
			return nil, invalidValue("'%s' is not a valid taggable resource type for this operation.", echo(sp.ResourceType))
		}
		tags = append(tags, sp.Tags...)
	}
	return mergeTags(nil, tags)
}

// mergeTags sets tags on existing (a later value for a key wins) and
// validates the result.
func mergeTags(existing, add []Tag) ([]Tag, error) {
	out := append([]Tag(nil), existing...)
	for _, t := range add {
		if err := validateTag(t); err != nil {
			return nil, err
		}
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value = t.Value
				replaced = true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > maxTagsPerResource {
		return nil, errorf(CodeTagLimitExceeded, "The maximum number of tags per resource (%d) has been exceeded.", maxTagsPerResource)
	}
	return out, nil
}

func validateTag(t Tag) error {
	switch {
	case t.Key == "":
		return invalidValue("Tag keys must not be empty.")
	case utf8.RuneCountInString(t.Key) > maxTagKeyLen:
		return invalidValue("Tag key exceeds the maximum length of %d characters.", maxTagKeyLen)
	case utf8.RuneCountInString(t.Value) > maxTagValueLen:
		return invalidValue("Tag value exceeds the maximum length of %d characters.", maxTagValueLen)
	case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
		return invalidValue("Tag keys starting with 'aws:' are reserved for internal use.")
	case !utf8.ValidString(t.Key) || !utf8.ValidString(t.Value):
		return invalidValue("Tags must be valid UTF-8.")
	}
	return nil
}

func validateDescription(d *string) error {
	if d != nil && (utf8.RuneCountInString(*d) > maxDescriptionLen || !utf8.ValidString(*d)) {
		return invalidValue("The description must be valid UTF-8 of at most %d characters.", maxDescriptionLen)
	}
	return nil
}

var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// ValidRegion reports whether name has the shape of an AWS Region name
// (us-east-1, ap-southeast-2, us-gov-west-1), as OperatingRegions must.
func ValidRegion(name string) bool { return regionRE.MatchString(name) }

func validateRegions(regions []string, param string) error {
	if len(regions) > maxRegions {
		return invalidValue("%s may list at most %d Regions.", param, maxRegions)
	}
	seen := map[string]bool{}
	for _, r := range regions {
		if !regionRE.MatchString(r) {
			return invalidValue("The Region '%s' in %s is not a valid Region name.", echo(r), param)
		}
		if seen[r] {
			return invalidValue("The Region '%s' is listed more than once in %s.", r, param)
		}
		seen[r] = true
	}
	return nil
}

// echo bounds a client-supplied value quoted in an error message (cut on a
// rune boundary), so a huge value does not come back as a huge error.
func echo(s string) string {
	const max = 100
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func oneOf(v *string, param string, allowed ...string) error {
	if v == nil {
		return nil
	}
	for _, a := range allowed {
		if *v == a {
			return nil
		}
	}
	return invalidValue("Value (%s) for parameter %s is invalid. Expected one of: %s.", echo(*v), param, strings.Join(allowed, ", "))
}

// parseCIDR parses a client CIDR: it must be well formed and canonical (no
// host bits), because an allocation of 10.0.0.1/24 is almost always a typo.
func parseCIDR(s, param string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Zone() != "" || p.Addr().Is4In6() {
		return netip.Prefix{}, invalidValue("The value '%s' for parameter %s is not a valid CIDR.", echo(s), param)
	}
	if p.Masked() != p {
		return netip.Prefix{}, invalidValue("The CIDR '%s' for parameter %s is not canonical: the network address of that block is %s.", echo(s), param, p.Masked())
	}
	return p, nil
}

// parseFamilyCIDR parses a CIDR that must belong to the pool's address family.
func parseFamilyCIDR(s, param, family string) (netip.Prefix, error) {
	p, err := parseCIDR(s, param)
	if err != nil {
		return p, err
	}
	if familyOf(p) != family {
		return netip.Prefix{}, invalidValue("The CIDR '%s' for parameter %s is not an %s CIDR.", echo(s), param, family)
	}
	return p, nil
}

func familyOf(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "ipv4"
	}
	return "ipv6"
}

func maxBitsOf(family string) int {
	if family == "ipv6" {
		return 128
	}
	return 32
}

func checkNetmask(v *int, param, family string) error {
	if v != nil && (*v < 0 || *v > maxBitsOf(family)) {
		return invalidValue("Value (%d) for parameter %s is invalid. Expecting a value between 0 and %d for %s.", *v, param, maxBitsOf(family), family)
	}
	return nil
}

// checkRules validates a pool's netmask rules as a whole: min <= default <= max.
func checkRules(min, max, def *int, family string) error {
	for _, c := range []struct {
		v *int
		n string
	}{{min, "AllocationMinNetmaskLength"}, {max, "AllocationMaxNetmaskLength"}, {def, "AllocationDefaultNetmaskLength"}} {
		if err := checkNetmask(c.v, c.n, family); err != nil {
			return err
		}
	}
	lo, hi := 0, maxBitsOf(family)
	if min != nil {
		lo = *min
	}
	if max != nil {
		hi = *max
	}
	if lo > hi {
		return invalidValue("AllocationMinNetmaskLength (%d) must not be greater than AllocationMaxNetmaskLength (%d).", lo, hi)
	}
	if def != nil && (*def < lo || *def > hi) {
		return invalidValue("AllocationDefaultNetmaskLength (%d) must be between the minimum (%d) and maximum (%d) netmask lengths.", *def, lo, hi)
	}
	return nil
}
