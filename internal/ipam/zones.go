package ipam

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// Zone is an Availability Zone of the server's Region. ipamd runs no
// instances, so zones only name where a subnet is said to be: three per
// Region, named and numbered as AWS names them ("us-east-1a",
// "use1-az1").
type Zone struct {
	Name, ID, Region string
}

const zonesPerRegion = 3

// Zones lists the Availability Zones of the server's Region.
func (s *Service) Zones() []Zone {
	abbr := regionAbbrev(s.region)
	out := make([]Zone, zonesPerRegion)
	for i := range out {
		out[i] = Zone{Name: s.region + string(rune('a'+i)), ID: abbr + "-az" + strconv.Itoa(i+1), Region: s.region}
	}
	return out
}

// regionAbbrev is the short form AWS uses in zone ids: "us-east-1" → "use1",
// "ap-southeast-2" → "apse2", "eu-central-1" → "euc1", "us-gov-west-1" →
// "usgw1".
func regionAbbrev(region string) string {
	parts := strings.Split(region, "-")
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i == 0 || i == len(parts)-1:
			b.WriteString(p)
		default:
			for _, d := range []string{"north", "south", "east", "west", "central"} {
				if rest, ok := strings.CutPrefix(p, d); ok {
					b.WriteByte(d[0])
					p = rest
				}
			}
			if p == "gov" {
				p = "g" // us-gov-west-1 → usgw1
			}
			b.WriteString(p)
		}
	}
	return b.String()
}

// zone resolves a subnet's zone from its name or id; neither is the first.
func (s *Service) zone(name, id string) (Zone, error) {
	zones := s.Zones()
	switch {
	case name != "" && id != "":
		return Zone{}, invalidCombination("AvailabilityZone and AvailabilityZoneId cannot both be specified.")
	case name == "" && id == "":
		return zones[0], nil
	}
	for _, z := range zones {
		if z.Name == name || z.ID == id {
			return z, nil
		}
	}
	names := make([]string, len(zones))
	for i, z := range zones {
		names[i] = z.Name
	}
	v, param := name, "availabilityZone"
	if id != "" {
		v, param = id, "availabilityZoneId"
	}
	return Zone{}, invalidValue("Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.",
		echo(v), param, strings.Join(names, ", "))
}

var zoneFields = fields[Zone]{
	"zone-name":            func(z Zone) []string { return str(z.Name) },
	"zone-id":              func(z Zone) []string { return str(z.ID) },
	"region-name":          func(z Zone) []string { return str(z.Region) },
	"group-name":           func(z Zone) []string { return str(z.Region) },
	"network-border-group": func(z Zone) []string { return str(z.Region) },
	"state":                func(Zone) []string { return str("available") },
	"zone-type":            func(Zone) []string { return str("availability-zone") },
	"opt-in-status":        func(Zone) []string { return str("opt-in-not-required") },
}

// DescribeAvailabilityZones lists the Region's zones, by name, id and
// filters. AllAvailabilityZones asks AWS to add Local and Wavelength Zones
// the account has not opted into; ipamd has none, so the answer is the same
// with it or without.
func (s *Service) DescribeAvailabilityZones(_ context.Context, _ Caller, in DescribeAvailabilityZonesInput) ([]Zone, error) {
	match, err := compileFilters(in.Filters, zoneFields, nil)
	if err != nil {
		return nil, err
	}
	zones := s.Zones()
	for _, n := range in.ZoneNames {
		if _, err := s.zone(n, ""); err != nil {
			return nil, err
		}
	}
	for _, id := range in.ZoneIDs {
		if _, err := s.zone("", id); err != nil {
			return nil, err
		}
	}
	if in.DryRun {
		return nil, errDryRun
	}
	var out []Zone
	for _, z := range zones {
		if (len(in.ZoneNames) > 0 || len(in.ZoneIDs) > 0) && !slices.Contains(in.ZoneNames, z.Name) && !slices.Contains(in.ZoneIDs, z.ID) {
			continue
		}
		if match(z) {
			out = append(out, z)
		}
	}
	return out, nil
}
