package sigv4

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Identity is who signed a request.
type Identity struct{ AccessKey, AccountID, Region string }

// Account is one set of credentials and the account it acts as.
type Account struct{ AccessKey, SecretKey, AccountID, Name string }

// Credentials resolves an access key to its account.
type Credentials interface {
	Lookup(accessKey string) (Account, bool)
}

// StaticCredentials maps access keys to accounts.
type StaticCredentials map[string]Account

// Lookup implements Credentials.
func (c StaticCredentials) Lookup(accessKey string) (Account, bool) {
	a, ok := c[accessKey]
	return a, ok
}

// DevCredentials is the well-known local-development pair test/test, the
// default of most AWS emulators, so SDK configs written for them just work.
func DevCredentials() StaticCredentials {
	return StaticCredentials{"test": {AccessKey: "test", SecretKey: "test", AccountID: "000000000000", Name: "dev"}}
}

type credentialsFile struct {
	Accounts []struct {
		Name            string `json:"name"`
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		AccountID       string `json:"account_id"`
	} `json:"accounts"`
}

// LoadCredentialsFile reads
//
//	{"accounts":[{"name":"team-a","access_key_id":"AKIA…","secret_access_key":"…","account_id":"111111111111"}]}
//
// It refuses a file any group/other permission bit (secrets must not be
// shared through the file system), unknown JSON fields (likely typos), an
// empty account list, duplicate access keys, access keys that cannot appear
// in a credential scope, empty secrets and account IDs that are not 12 digits.
func LoadCredentialsFile(path string) (StaticCredentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("credentials file %s: mode %#o is accessible by group/other; chmod 600 it", path, perm)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	var cf credentialsFile
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("credentials file %s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("credentials file %s: trailing data after JSON object", path)
	}
	if len(cf.Accounts) == 0 {
		return nil, fmt.Errorf("credentials file %s: no accounts", path)
	}
	creds := StaticCredentials{}
	for i, a := range cf.Accounts {
		if err := validateAccount(a.AccessKeyID, a.SecretAccessKey, a.AccountID); err != nil {
			return nil, fmt.Errorf("credentials file %s: account %d (%q): %w", path, i+1, a.Name, err)
		}
		if _, dup := creds[a.AccessKeyID]; dup {
			return nil, fmt.Errorf("credentials file %s: duplicate access_key_id %q", path, a.AccessKeyID)
		}
		creds[a.AccessKeyID] = Account{AccessKey: a.AccessKeyID, SecretKey: a.SecretAccessKey, AccountID: a.AccountID, Name: a.Name}
	}
	return creds, nil
}

func validateAccount(akid, secret, accountID string) error {
	switch {
	case akid == "":
		return errors.New("empty access_key_id")
	case strings.ContainsAny(akid, "/ ,=\t\r\n"):
		return errors.New("access_key_id contains '/', ',', '=' or whitespace")
	case secret == "":
		return errors.New("empty secret_access_key")
	case !twelveDigits(accountID):
		return fmt.Errorf("account_id %q is not 12 digits", accountID)
	}
	return nil
}

func twelveDigits(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
