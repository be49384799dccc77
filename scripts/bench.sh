#!/usr/bin/env bash
# Reproducible benchmark of `uptake inspect` on large demo exports.
#
#   scripts/bench.sh            # 1M and 10M events (about 3 GB of files in $BENCH_DIR)
#   SIZES=1 scripts/bench.sh    # 1M only
#
# Files are generated with `uptake demo` (deterministic: same bytes on every
# machine) as CSV and JSONL, plain and gzipped, and as Parquet (zstd), then
# each is read RUNS times by `uptake inspect`; the table reports the best
# wall time, throughput, peak RSS and CPU time (user + system) of that run
# (/usr/bin/time -v). On a shared machine compare CPU seconds: wall time
# shows only what the other processes left. Timings are measurements, never test
# assertions; see README "Performance" for the numbers of record.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DIR=${BENCH_DIR:-bench}
RUNS=${RUNS:-3}
SIZES=${SIZES:-"1 10"}
mkdir -p "$BENCH_DIR"
go build -o "$BENCH_DIR/uptake" ./cmd/uptake
bin="$BENCH_DIR/uptake"
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

# users per million events in the demo export (about 96 events per user)
users_for() { echo $(( $1 * 10450 )); }

gen() { # millions format
  local m=$1 f=$2 out="$BENCH_DIR/events${1}m.$2"
  if [ ! -s "$out" ]; then
    echo "generating $out" >&2
    "$bin" demo --users "$(users_for "$m")" --seed 7 --format "$f" > "$out"
  fi
  if [ "$f" != parquet ] && [ ! -s "$out.gz" ]; then
    gzip -1 -k -c "$out" > "$out.gz"
  fi
}

measure() { # file command...
  local file=$1; shift
  local best="" rss="" cpu=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -v -o "$BENCH_DIR/time.txt" "$@" > /dev/null
    local w r c
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,a,":"); if (length(a)==3) print a[1]*3600+a[2]*60+a[3]; else print a[1]*60+a[2]}' "$BENCH_DIR/time.txt")
    r=$(awk -F': ' '/Maximum resident/ {print $2}' "$BENCH_DIR/time.txt")
    c=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$BENCH_DIR/time.txt")
    if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; rss=$r; cpu=$c; fi
  done
  local size
  size=$(stat -c %s "$file")
  printf "| %-22s | %8s | %7.2f | %8.0f | %6.0f | %5.2f |\n" "$(basename "$file")" "$(numfmt --to=si "$size")" "$best" \
    "$(awk "BEGIN{print $size/1e6/$best}")" "$(awk "BEGIN{print $rss/1024}")" "$cpu"
}

echo "| file | size | wall s | MB/s (of the file as stored) | peak RSS MB | CPU s |"
echo "|---|---:|---:|---:|---:|---:|"
for m in $SIZES; do
  for f in csv jsonl; do
    gen "$m" "$f"
    measure "$BENCH_DIR/events${m}m.$f" "$bin" inspect -q --format json "$BENCH_DIR/events${m}m.$f"
    measure "$BENCH_DIR/events${m}m.$f.gz" "$bin" inspect -q --format json "$BENCH_DIR/events${m}m.$f.gz"
  done
  # Parquet (zstd, row groups of 122,880 rows, as DuckDB writes them);
  # issue #14's bar: no slower than DuckDB's own aggregates on the file
  gen "$m" parquet
  measure "$BENCH_DIR/events${m}m.parquet" "$bin" inspect -q --format json "$BENCH_DIR/events${m}m.parquet"
done
# Vendor-shaped JSON lines (issue bar: within 1.5x of the generic JSONL path).
big=$(echo $SIZES | awk '{print $NF}')
for v in mixpanel amplitude segment; do
  out="$BENCH_DIR/events${big}m.$v.jsonl"
  [ -s "$out" ] || "$bin" demo --users "$(users_for "$big")" --seed 7 --format "$v" > "$out"
  measure "$out" "$bin" inspect -q --format json "$out"
done
echo
echo "machine: $(nproc) cores, $(go version | awk '{print $3}'); zcat baseline for the gzipped CSV:"
for m in $SIZES; do
  /usr/bin/time -f "  zcat events${m}m.csv.gz: %e s" zcat "$BENCH_DIR/events${m}m.csv.gz" > /dev/null
done

# Metric commands against inspect on the largest CSV (bars: 1.3x for
# activation and onboarding, 1.5x for retention and engagement), and
# report computing the reference metric set (scripts/bench_report.yaml:
# activation 7d, onboarding any order, weekly and monthly retention, NPS,
# CES, CSAT, DAU/MAU) in one read.
big=$(echo $SIZES | awk '{print $NF}')
f="$BENCH_DIR/events${big}m.csv"
echo
echo "| command on $(basename "$f") | wall s | peak RSS MB |"
echo "|---|---:|---:|"
cmds=(
  "inspect"
  "activation --activation-event report_created"
  "onboarding --steps onboarding_started,profile_completed,project_created,teammate_invited,onboarding_completed"
  "funnel --steps signup,onboarding_started,project_created,report_created"
  "retention"
  "engagement"
  "lifecycle"
  "nps --event nps_response --score-prop score"
  "trends"
  "adoption --feature-event report_created"
  "adoption --feature-prop feature"
  "trial"
  "referral --basis referrers"
  "tickets"
  "cac --activation-event report_created --spend 100000"
  "repeat --amount amount"
  "revenue --amount amount"
  "clv --amount amount"
  "compare --metric activation --activation-event report_created --variant-prop onboarding_variant"
  "drivers --outcome-event subscription_started"
  "funnel --steps signup,onboarding_started,project_created,report_created --correlation"
  "report --config scripts/bench_report.yaml"
)
for c in "${cmds[@]}"; do
  line=$(measure "$f" $bin $c -q --format json "$f")
  # reuse measure's best time and RSS columns
  printf "| %s | %s | %s |\n" "$c" "$(echo "$line" | awk -F'|' '{gsub(/ /,"",$4); print $4}')" "$(echo "$line" | awk -F'|' '{gsub(/ /,"",$6); print $6}')"
done

# The same commands on the same events as Parquet and as CSV, one after the
# other (so the machine's load is alike for both).
pq="$BENCH_DIR/events${big}m.parquet"
echo
echo "| command | CSV wall s | CSV CPU s | CSV RSS MB | Parquet wall s | Parquet CPU s | Parquet RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for c in "inspect" "activation --activation-event report_created" "report --config scripts/bench_report.yaml"; do
  a=$(measure "$f" $bin $c -q --format json "$f")
  b=$(measure "$pq" $bin $c -q --format json "$pq")
  col() { echo "$1" | awk -F'|' -v n="$2" '{gsub(/ /,"",$n); print $n}'; }
  printf "| %s | %s | %s | %s | %s | %s | %s |\n" "$c" "$(col "$a" 4)" "$(col "$a" 7)" "$(col "$a" 6)" "$(col "$b" 4)" "$(col "$b" 7)" "$(col "$b" 6)"
done

# Issue #14's bar for Parquet: uptake inspect against DuckDB computing
# inspect's aggregates of the same file in one query (rows, users, time
# range, per event its count and users), in the same run, alternating.
# DuckDB is @duckdb/node-api from scripts/engines.sh's cache; the row is
# skipped without node or the package. DuckDB's figure is its query alone
# (not node's start-up); uptake's is the whole process.
engines=${UPTAKE_ENGINES_DIR:-$HOME/.cache/uptake-engines}/node_modules
if command -v node >/dev/null && [ -d "$engines/@duckdb/node-api" ]; then
  echo
  echo "| $(basename "$pq"), same run | best s | median s |"
  echo "|---|---:|---:|"
  duck=() ours=()
  for _ in $(seq "$RUNS"); do
    duck+=("$(NODE_PATH="$engines" node scripts/duckdb-inspect.cjs "$pq" timestamp)")
    /usr/bin/time -f %e -o "$BENCH_DIR/time.txt" "$bin" inspect -q --format json "$pq" > /dev/null
    ours+=("$(cat "$BENCH_DIR/time.txt")")
  done
  stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.2f | %.2f", a[1], a[int((NR+1)/2)]}'; }
  echo "| DuckDB, one query (2 threads) | $(stats "${duck[@]}") |"
  echo "| uptake inspect | $(stats "${ours[@]}") |"
else
  echo "(no DuckDB row: . scripts/engines.sh installs @duckdb/node-api)" >&2
fi
