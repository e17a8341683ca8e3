#!/usr/bin/env bash
# ab.sh compares PostgreSQL CreateVpc throughput (16 clients, one pool) of two ipamd binaries and
# prints each round's ratio (new / old). Each round starts after a CHECKPOINT and two seconds' rest.
#
#   bench/vpcbench/ab.sh OLD_IPAMD NEW_IPAMD [ROUNDS]    (VPCS: VPCs a run, default 20000)
#
# By default a round is a pair of runs, one after the other, alternating which build runs first: on a
# small machine the second run of a pair is slower (docs/benchmarks.md, session 11), so a fixed order
# biases the ratio. With TOGETHER=1 both builds run at once, each on a database of its own: this kind
# of machine drifts by ±15 % from one run to the next (CPU time per call too), and two builds side by
# side meet the same machine, so their ratio is steadier, though each gets about half of it.
#
# Build an older ipamd with: git worktree add /tmp/old <commit> && (cd /tmp/old && go build -o /tmp/ipamd-old ./cmd/ipamd)
set -euo pipefail
old=$1 new=$2 rounds=${3:-8} vpcs=${VPCS:-20000} together=${TOGETHER:-}
url=${IPAMD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
(cd "$(dirname "$0")/.." && go build -o "$dir/vpcbench" ./vpcbench)

# run BIN OUT: CreateVpc per second and the CPU per call columns of one run, into OUT. (Side by side,
# the PostgreSQL column counts both runs' server CPU.) A run that fails is reported and run again.
run() {
	local try
	for try in 1 2; do
		if "$dir/vpcbench" -database-url "$url" -stores postgres -vpcs "$vpcs" -subnets 2 -reps 2 -until vpcs -ipamd "$1" 2>"$2.err" |
			awk -F'|' '/CreateVpc/ { gsub(/ /, "", $6); print $6, "(ipamd" $9 "+ PostgreSQL" $10 ")"; exit }' >"$2" && [[ -s $2 ]]; then
			return
		fi
		echo "run of $1 failed (try $try):" >&2
		tail -3 "$2.err" >&2
	done
	return 1
}

rest() {
	psql -q "$url" -c CHECKPOINT >/dev/null
	sleep 2
}

for i in $(seq 1 "$rounds"); do
	if [[ -n $together ]]; then
		rest
		if ((i % 2)); then run "$old" "$dir/a" & run "$new" "$dir/b" & else run "$new" "$dir/b" & run "$old" "$dir/a" & fi
		wait
	elif ((i % 2)); then
		rest; run "$old" "$dir/a"; rest; run "$new" "$dir/b"
	else
		rest; run "$new" "$dir/b"; rest; run "$old" "$dir/a"
	fi
	a=$(cat "$dir/a") b=$(cat "$dir/b")
	echo "round $i: old ${a} new ${b} ratio $(awk -v a="${a%% *}" -v b="${b%% *}" 'BEGIN { printf "%.3f", b / a }')"
done
