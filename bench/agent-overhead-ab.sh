#!/bin/sh
# Interleaved A/B of the agent-loop overhead: this checkout against another one (e.g. an older
# commit in a git worktree, with its node_modules and, for --dist, its dist/ built), K rounds,
# alternating so that machine load hits both alike. Prints each run's JSON lines; compare the
# medians of cpu_us_per_run_median per scenario.
#   bench/agent-overhead-ab.sh <other-checkout> [K=4] [--dist] [--only tool-round-trip] [--n 3000]
set -e
OTHER=$1; shift
K=${1:-4}; [ $# -gt 0 ] && shift
HERE=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--dist" ]; then RUN="node"; else RUN="npx tsx"; fi
for i in $(seq 1 "$K"); do
  (cd "$HERE" && $RUN bench/agent-overhead.mjs --root "$OTHER" "$@")
  (cd "$HERE" && $RUN bench/agent-overhead.mjs "$@")
done
