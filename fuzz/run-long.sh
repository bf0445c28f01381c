#!/usr/bin/env bash
# One long fuzz run of read/validate/verify, restarted after each crash until SECONDS
# (default 3600) have passed; the corpus persists, crashes land in .fuzz/artifacts/.
# Usage: nice -n 15 fuzz/run-long.sh [SECONDS]   (log: .fuzz/run.log)
set -u
cd "$(dirname "$0")/.."
total=${1:-3600}
mkdir -p .fuzz/artifacts
start=$(date +%s)
while :; do
  left=$(( total - ($(date +%s) - start) ))
  [ "$left" -le 5 ] && break
  .venv/bin/python fuzz/fuzz_all.py -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -dict=fuzz/edxml.dict -print_final_stats=1 \
    -artifact_prefix=.fuzz/artifacts/ .fuzz/corpus
  echo "=== segment exit $? after $(( $(date +%s) - start )) s"
done
echo "=== done after $(( $(date +%s) - start )) s"
