package ec2query

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Params wraps decoded request values. A handler calls the getter for every
// parameter its operation knows and then Finish, so every key in the request
// is either honoured or rejected. The first decode problem is recorded and
// reported by Err/Finish; getters keep working after an error so handlers
// need not check after each call.
type Params struct {
	values url.Values
	keys   []string // sorted, for prefix scans of list elements
	used   map[string]bool
	err    *Error
}

// NewParams wraps v. Keys are case-sensitive.
func NewParams(v url.Values) *Params {
	p := &Params{values: v, used: make(map[string]bool)}
	for k, vs := range v {
		if len(vs) > 0 {
			p.keys = append(p.keys, k)
		}
	}
	sort.Strings(p.keys)
	return p
}

func (p *Params) fail(e *Error) {
	if p.err == nil {
		p.err = e
	}
}

// get returns the single value of key and marks it consumed. A key given
// more than once is ambiguous, so it is an error rather than "first wins".
func (p *Params) get(key string) (string, bool) {
	vs := p.values[key]
	if len(vs) == 0 {
		return "", false
	}
	p.used[key] = true
	if len(vs) > 1 {
		p.fail(errorf(CodeInvalidParameterValue, "The parameter %s was specified more than once.", echo(key)))
	}
	return vs[0], true
}

// Action consumes "Action"; absent or empty records MissingAction.
func (p *Params) Action() string {
	a, _ := p.get("Action")
	if a == "" {
		p.fail(errorf(CodeMissingAction, "The request must contain the parameter Action"))
	}
	return a
}

// Version consumes "Version" and returns it ("" if absent). The API layer
// decides whether a missing or different version is acceptable.
func (p *Params) Version() string {
	v, _ := p.get("Version")
	return v
}

// String returns the value of name and whether it was present. A present
// but empty value returns ("", true).
func (p *Params) String(name string) (string, bool) { return p.get(name) }

// RequiredString returns the value of name; absent or empty records
// MissingParameter.
func (p *Params) RequiredString(name string) string {
	v, _ := p.get(name)
	if v == "" {
		p.fail(missing(name))
	}
	return v
}

func missing(name string) *Error {
	return errorf(CodeMissingParameter, "The request must contain the parameter %s", name)
}

// Int parses name as a decimal integer in [min, max]. ok is false when the
// parameter is absent or invalid (invalid also records InvalidParameterValue).
func (p *Params) Int(name string, min, max int64) (v int64, ok bool) {
	s, present := p.get(name)
	if !present {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		p.fail(errorf(CodeInvalidParameterValue,
			"Value (%s) for parameter %s is invalid. Expecting an integer between %d and %d.", echo(s), name, min, max))
		return 0, false
	}
	return n, true
}

// Bool parses name as "true" or "false" (case-insensitive). ok is false when
// absent or invalid (invalid also records InvalidParameterValue).
func (p *Params) Bool(name string) (v bool, ok bool) {
	s, present := p.get(name)
	if !present {
		return false, false
	}
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	p.fail(errorf(CodeInvalidParameterValue,
		"Value (%s) for parameter %s is invalid. Expecting a boolean (true or false).", echo(s), name))
	return false, false
}

// Struct returns the present members name.<field> for each field, keyed by
// field; nil if none is present.
func (p *Params) Struct(name string, fields ...string) map[string]string {
	var m map[string]string
	for _, f := range fields {
		if v, ok := p.get(name + "." + f); ok {
			if m == nil {
				m = make(map[string]string, len(fields))
			}
			m[f] = v
		}
	}
	return m
}

// Err returns the first recorded decode error (an *Error), or nil.
func (p *Params) Err() error {
	if p.err == nil {
		return nil
	}
	return p.err
}

// Finish returns Err(), or else an UnknownParameter error naming the first
// (in sorted order) key that no getter consumed.
func (p *Params) Finish() error {
	if p.err != nil {
		return p.err
	}
	for _, k := range p.keys {
		if !p.used[k] {
			return errorf(CodeUnknownParameter, "The parameter %s is not recognized", echo(k))
		}
	}
	return nil
}

// Time parses name as a timestamp: ISO 8601 (what botocore and the AWS SDKs
// send for the EC2 protocol, e.g. 2026-01-02T03:04:05Z or with fractional
// seconds and any offset) whose instant lies in the years 0000–9999 UTC, so
// it can be written back in EC2's form, or Unix epoch seconds below 1e11 as
// plain decimal digits with an optional fraction (1700000000.25; no sign,
// exponent, hex or underscores). ok is false when absent or invalid
// (invalid also records InvalidParameterValue).
func (p *Params) Time(name string) (v time.Time, ok bool) {
	s, present := p.get(name)
	if !present {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if y := t.UTC().Year(); y >= 0 && y <= 9999 {
			return t, true
		}
	} else if t, ok := epochTime(s); ok {
		return t, true
	}
	p.fail(errorf(CodeInvalidParameterValue,
		"Value (%s) for parameter %s is invalid. Expecting a timestamp such as 2006-01-02T15:04:05Z.", echo(s), name))
	return time.Time{}, false
}

// epochTime parses plain decimal seconds since 1970 below 1e11: digits,
// optionally a point and more digits (at most nanoseconds are kept).
func epochTime(s string) (time.Time, bool) {
	whole, frac, dotted := strings.Cut(s, ".")
	if whole == "" || len(whole) > 11 || (dotted && frac == "") || !digits(whole) || !digits(frac) {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec >= 1e11 {
		return time.Time{}, false
	}
	ns := int64(0)
	for i, scale := 0, int64(1e8); i < len(frac) && scale > 0; i, scale = i+1, scale/10 {
		ns += int64(frac[i]-'0') * scale
	}
	return time.Unix(sec, ns).UTC(), true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
