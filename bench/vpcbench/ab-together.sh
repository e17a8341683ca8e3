#!/usr/bin/env bash
# ab-together.sh runs the PostgreSQL CreateVpc phase (16 clients, one pool) of two ipamd binaries at
# the same time, each on a database of its own, and prints each round's ratio (new / old). ab.sh's runs
# follow each other, and on this kind of machine one run's speed drifts by ±15 % from the next's
# (CPU time per call too): two builds run side by side meet the same machine, so their ratio is steadier,
# though each gets about half of it. Rounds alternate which build is started first.
#
#   bench/vpcbench/ab-together.sh OLD_IPAMD NEW_IPAMD [ROUNDS]    (VPCS: VPCs a run, default 20000)
set -euo pipefail
old=$1 new=$2 rounds=${3:-8} vpcs=${VPCS:-20000}
url=${IPAMD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
(cd "$(dirname "$0")/.." && go build -o "$dir/vpcbench" ./vpcbench)

# run BIN OUT: CreateVpc per second and the CPU per call columns of one run, into OUT.
run() {
	"$dir/vpcbench" -database-url "$url" -stores postgres -vpcs "$vpcs" -subnets 2 -reps 2 -until vpcs -ipamd "$1" 2>/dev/null |
		awk -F'|' '/CreateVpc/ { gsub(/ /, "", $6); print $6, "(ipamd" $9 "+ PostgreSQL" $10 ")"; exit }' >"$2"
}

for i in $(seq 1 "$rounds"); do
	psql -q "$url" -c CHECKPOINT >/dev/null
	sleep 2
	if ((i % 2)); then
		run "$old" "$dir/a" & run "$new" "$dir/b" &
	else
		run "$new" "$dir/b" & run "$old" "$dir/a" &
	fi
	wait
	a=$(cat "$dir/a") b=$(cat "$dir/b")
	echo "round $i: old ${a} new ${b} ratio $(awk -v a="${a%% *}" -v b="${b%% *}" 'BEGIN { printf "%.3f", b / a }')"
done
