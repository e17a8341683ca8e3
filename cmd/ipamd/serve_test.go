package main

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every serve flag is documented in docs/deployment.md's flag table, and
// the table names no flag that does not exist.
func TestEveryFlagDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/deployment.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(doc), "## Flags")
	end := strings.Index(string(doc)[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("docs/deployment.md has no ## Flags section")
	}
	table := string(doc)[start : start+1+end]
	fs, _ := (&serveConfig{}).flagSet()
	defined := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		defined[f.Name] = true
		if !strings.Contains(table, "`--"+f.Name+"`") {
			t.Errorf("--%s is not in docs/deployment.md's flag table", f.Name)
		}
	})
	if len(defined) < 20 {
		t.Fatalf("only %d flags defined", len(defined))
	}
	for _, m := range regexp.MustCompile("`--([a-z0-9-]+)`").FindAllStringSubmatch(table, -1) {
		if !defined[m[1]] {
			t.Errorf("docs/deployment.md documents --%s, which serve does not define", m[1])
		}
	}
}

func TestRegionCheckedAtStart(t *testing.T) {
	for region, ok := range map[string]bool{
		"us-east-1": true, "eu-west-2": true, "us-gov-west-1": true, "ap-southeast-4": true,
		"": false, "us-east": false, "US-EAST-1": false, "moon-1": false, "us-east-1 ": false,
	} {
		_, err := flags([]string{"--region", region})
		if (err == nil) != ok {
			t.Errorf("--region %q: err = %v, want ok=%v", region, err, ok)
		}
	}
}
