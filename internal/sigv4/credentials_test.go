package sigv4

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "creds.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // not subject to umask
		t.Fatal(err)
	}
	return p
}

const goodCreds = `{"accounts":[
 {"name":"team-a","access_key_id":"AKIAAAAAAAAAAAAAAAAA","secret_access_key":"secret-a","account_id":"111111111111"},
 {"name":"team-b","access_key_id":"AKIABBBBBBBBBBBBBBBB","secret_access_key":"secret-b","account_id":"222222222222"}]}`

func TestLoadCredentialsFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		wantErr string
	}{
		{"ok 0600", goodCreds, 0o600, ""},
		{"ok 0400", goodCreds, 0o400, ""},
		{"world readable", goodCreds, 0o644, "group/other"},
		{"group readable", goodCreds, 0o640, "group/other"},
		{"bad json", `{"accounts":[`, 0o600, "unexpected EOF"},
		{"unknown field", `{"accounts":[],"x":1}`, 0o600, "unknown field"},
		{"trailing data", goodCreds + `{}`, 0o600, "trailing"},
		{"no accounts", `{"accounts":[]}`, 0o600, "no accounts"},
		{"duplicate keys", `{"accounts":[
			{"access_key_id":"AKIA1","secret_access_key":"a","account_id":"111111111111"},
			{"access_key_id":"AKIA1","secret_access_key":"b","account_id":"222222222222"}]}`, 0o600, "duplicate"},
		{"short account id", `{"accounts":[{"access_key_id":"AKIA1","secret_access_key":"a","account_id":"11111111111"}]}`, 0o600, "12 digits"},
		{"non-digit account id", `{"accounts":[{"access_key_id":"AKIA1","secret_access_key":"a","account_id":"11111111111a"}]}`, 0o600, "12 digits"},
		{"empty secret", `{"accounts":[{"access_key_id":"AKIA1","secret_access_key":"","account_id":"111111111111"}]}`, 0o600, "secret"},
		{"empty key", `{"accounts":[{"access_key_id":"","secret_access_key":"a","account_id":"111111111111"}]}`, 0o600, "access_key_id"},
		{"slash in key", `{"accounts":[{"access_key_id":"AK/IA","secret_access_key":"a","account_id":"111111111111"}]}`, 0o600, "access_key_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds, err := LoadCredentialsFile(writeFile(t, tt.content, tt.mode))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a, ok := creds.Lookup("AKIABBBBBBBBBBBBBBBB")
			if !ok || a != (Account{AccessKey: "AKIABBBBBBBBBBBBBBBB", SecretKey: "secret-b", AccountID: "222222222222", Name: "team-b"}) {
				t.Fatalf("lookup: %+v %v", a, ok)
			}
			if _, ok := creds.Lookup("nope"); ok {
				t.Fatal("unknown key found")
			}
		})
	}
	if _, err := LoadCredentialsFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("missing file: want error")
	}
}

func TestDevCredentials(t *testing.T) {
	a, ok := DevCredentials().Lookup("test")
	if !ok || a.SecretKey != "test" || a.AccountID != "000000000000" {
		t.Fatalf("%+v %v", a, ok)
	}
	// And they verify requests signed with test/test.
	r, b := signPOST(t, testBody, signOpts{akid: "test", secret: "test"})
	v := testVerifier()
	v.Creds = DevCredentials()
	id, err := v.Verify(r, b)
	if err != nil || id.AccountID != "000000000000" {
		t.Fatalf("%+v %v", id, err)
	}
}
