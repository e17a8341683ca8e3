#!/usr/bin/env bash
# The whole test suite: what CI runs (through .ci/run) and what a developer
# runs before pushing. Bounded: well under 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

# PostgreSQL tests create and drop their own database on this server; they
# are skipped only when the variable is set to the empty string.
export IPAMD_TEST_DATABASE_URL="${IPAMD_TEST_DATABASE_URL-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"

echo "== gofmt / go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi
go vet ./...

echo "== go test"
go test -count=1 -timeout 10m ./...

echo "== short fuzz runs"
# Bounded by executions, not seconds: a time-bounded run can end with the Go
# fuzzer's own "context deadline exceeded" on a loaded machine, which is no
# finding; a crasher would still fail the run and be written to testdata.
go test -run '^$' -fuzz '^FuzzSetOps$' -fuzztime 20000x ./internal/cidr
go test -run '^$' -fuzz '^FuzzParams$' -fuzztime 20000x ./internal/ec2query
go test -run '^$' -fuzz '^FuzzTime$' -fuzztime 20000x ./internal/ec2query
go test -run '^$' -fuzz '^FuzzVerify$' -fuzztime 30000x ./internal/sigv4
go test -run '^$' -fuzz '^FuzzParseCIDR$' -fuzztime 20000x ./internal/ipam
# A whole signed request through the API handler on SQLite; the first build
# instruments the SQLite driver and is slow on a cold cache.
go test -run '^$' -fuzz '^FuzzHandler$' -fuzztime 300x -fuzzminimizetime 100x ./internal/e2e/hostile/handlerfuzz

if [ -x tests/compat/run.sh ]; then
  echo "== python compatibility suite (boto3 + aws cli)"
  tests/compat/run.sh
fi
echo "== all tests passed"
