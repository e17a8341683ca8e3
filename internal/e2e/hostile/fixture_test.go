package hostile

import (
	"context"
	"testing"

	"github.com/ipamd/ipamd/internal/e2e/ec2raw"
)

var ctx = context.Background()

func buildWorld(t testing.TB, c *ec2raw.Client) *ec2raw.World {
	t.Helper()
	w, err := ec2raw.BuildWorld(c)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func snapshot(t testing.TB, c *ec2raw.Client, pools []string) string {
	t.Helper()
	s, err := ec2raw.Snapshot(c, pools, pools)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
