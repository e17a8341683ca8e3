package ec2query

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseForm(t *testing.T) {
	tests := []struct {
		name string
		body string
		want url.Values
		code string // expected *Error code; "" means success
	}{
		{"empty", "", url.Values{}, ""},
		{"simple", "Action=DescribeIpams&Version=2016-11-15",
			url.Values{"Action": {"DescribeIpams"}, "Version": {"2016-11-15"}}, ""},
		{"plus and escapes", "Description=regional+pool&Cidr=10.0.0.0%2F24&F=10.%2A",
			url.Values{"Description": {"regional pool"}, "Cidr": {"10.0.0.0/24"}, "F": {"10.*"}}, ""},
		{"empty value and no equals", "A=&B", url.Values{"A": {""}, "B": {""}}, ""},
		{"empty pairs skipped", "&&A=1&", url.Values{"A": {"1"}}, ""},
		{"duplicates kept for Params", "A=1&A=2", url.Values{"A": {"1", "2"}}, ""},
		{"utf8 value", "Description=%E2%9C%93+ok", url.Values{"Description": {"✓ ok"}}, ""},
		{"tab newline ok", "D=a%09b%0Ac", url.Values{"D": {"a\tb\nc"}}, ""},
		{"bad escape in value", "A=%zz", nil, CodeInvalidParameterValue},
		{"truncated escape", "A=%4", nil, CodeInvalidParameterValue},
		{"invalid utf8 value", "A=%ff%fe", nil, CodeInvalidParameterValue},
		{"raw invalid utf8 value", "A=\xff", nil, CodeInvalidParameterValue},
		{"NUL value", "A=%00", nil, CodeInvalidParameterValue},
		{"control char value", "A=%1b", nil, CodeInvalidParameterValue},
		{"semicolon in value", "A=1;B=2", nil, CodeInvalidParameterValue},
		{"bad escape in key", "A%zz=1", nil, CodeInvalidParameter},
		{"invalid utf8 key", "%ff=1", nil, CodeInvalidParameter},
		{"empty key", "=1", nil, CodeInvalidParameter},
		{"space in key", "A+B=1", nil, CodeInvalidParameter},
		{"semicolon in key", "A;B=1", nil, CodeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseForm([]byte(tt.body))
			checkCode(t, err, tt.code)
			if tt.code == "" && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseFormTooManyKeys(t *testing.T) {
	body := strings.Repeat("A=1&", MaxKeys)
	if _, err := ParseForm([]byte(body)); err != nil {
		t.Fatalf("%d keys: %v", MaxKeys, err)
	}
	_, err := ParseForm([]byte(body + "B=2"))
	checkCode(t, err, CodeInvalidParameterValue)
}

// checkCode asserts err is nil (code == "") or an *Error with that code.
func checkCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error %s, got %T %v", code, err, err)
	}
	if e.Code != code {
		t.Fatalf("want code %s, got %s (%s)", code, e.Code, e.Message)
	}
}
