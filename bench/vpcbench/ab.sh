#!/usr/bin/env bash
# ab.sh compares PostgreSQL CreateVpc throughput (16 clients, one pool) of two ipamd binaries in pairs
# of runs, and prints each pair's ratio (new / old). Pairs alternate which build runs first: on a
# small machine the second run of a pair is slower (docs/benchmarks.md, session 11), so a fixed order
# biases the ratio. Each run starts after a CHECKPOINT and two seconds' rest.
#
#   bench/vpcbench/ab.sh OLD_IPAMD NEW_IPAMD [PAIRS]    (VPCS: VPCs a run, default 20000)
#
# Build an older ipamd with: git worktree add /tmp/old <commit> && (cd /tmp/old && go build -o /tmp/ipamd-old ./cmd/ipamd)
set -euo pipefail
old=$1 new=$2 pairs=${3:-8} vpcs=${VPCS:-20000}
url=${IPAMD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
(cd "$(dirname "$0")/.." && go build -o "$dir/vpcbench" ./vpcbench)

# run BIN: CreateVpc per second and the CPU per call columns of one run.
run() {
	psql -q "$url" -c CHECKPOINT >/dev/null
	sleep 2
	"$dir/vpcbench" -database-url "$url" -stores postgres -vpcs "$vpcs" -subnets 2 -reps 2 -until vpcs -ipamd "$1" 2>/dev/null |
		awk -F'|' '/CreateVpc/ { gsub(/ /, "", $6); print $6, "(ipamd" $9 "+ PostgreSQL" $10 ")"; exit }'
}

for i in $(seq 1 "$pairs"); do
	if ((i % 2)); then a=$(run "$old"); b=$(run "$new"); else b=$(run "$new"); a=$(run "$old"); fi
	echo "pair $i: old ${a} new ${b} ratio $(awk -v a="${a%% *}" -v b="${b%% *}" 'BEGIN { printf "%.3f", b / a }')"
done
