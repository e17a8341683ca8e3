package audit

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() Record {
	return Record{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), RequestID: "r-1",
		Origin: OriginAPI, Account: "000000000000", AccessKeyID: "AKID", SourceAddr: "192.0.2.1",
		Action: "AllocateIpamPoolCidr", ResourceIDs: []string{"ipam-pool-1"}, CIDRs: []string{"10.0.0.0/24"},
		Result: Success}
}

func TestFileIsJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	r, err := ToFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Record(sample())
	failed := sample()
	failed.Result = "InvalidIpamPoolId.NotFound"
	failed.ResourceIDs, failed.CIDRs = nil, nil
	r.Record(failed)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), data)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"time": "2026-01-02T02:04:05Z", "request_id": "r-1", "origin": "api",
		"account": "000000000000", "access_key_id": "AKID", "source_address": "192.0.2.1",
		"action": "AllocateIpamPoolCidr", "resource_ids": []any{"ipam-pool-1"}, "cidrs": []any{"10.0.0.0/24"},
		"result": "Success"}
	for k, v := range want {
		if gv, _ := json.Marshal(got[k]); string(gv) != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, gv, mustJSON(v))
		}
	}
	if !strings.Contains(lines[1], `"result":"InvalidIpamPoolId.NotFound"`) {
		t.Errorf("failed record: %s", lines[1])
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestLogSink(t *testing.T) {
	var buf bytes.Buffer
	r := ToLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	r.Record(sample())
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	if got["msg"] != "audit" || got["action"] != "AllocateIpamPoolCidr" || got["result"] != "Success" ||
		got["access_key_id"] != "AKID" {
		t.Errorf("log line %s", buf.Bytes())
	}
}

func TestNilRecorderIsQuiet(t *testing.T) {
	var r *Recorder
	r.Record(sample())
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSourceAddr(t *testing.T) {
	for in, want := range map[string]string{"192.0.2.1:5555": "192.0.2.1", "[2001:db8::1]:80": "2001:db8::1", "pipe": "pipe"} {
		if got := SourceAddr(in); got != want {
			t.Errorf("SourceAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
