#!/usr/bin/env bash
# Benchmarks of online training (surge run), printed as the tables of docs/benchmarks.md:
#   1. trainer busy fraction under a fast producer, for each buffer policy (goal > 95%);
#   2. the default example, configs/burgers1d.yaml on 2 ranks: wall time and held-out errors
#      against the targets (one-step relative L2 < 1e-2, 30-step rollout nRMSE < 3e-2, both at
#      least 10x below persistence, within 5 minutes on 2 cores).
#
#   bench/online.sh [BUILD_DIR]        (default build; surge must be built there)
# Environment: BENCH_ONLINE_BUSY=0 skips part 1 (about 2 minutes), BENCH_ONLINE_EXAMPLE=0 skips
#   part 2 (about 4 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/env.sh
source scripts/env.sh
dir="${1:-build}"
surge="$dir/apps/surge"
[[ -x "$surge" ]] || { echo "online.sh: $surge not built (run scripts/setup.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/surge-bench-online-XXXXXX)
trap 'rm -rf "$work"' EXIT

# The value of KEY (a flow-map entry or a plain key) in a summary.yaml.
field() { grep -o "$2: [^,}]*" "$1" | head -1 | sed 's/.*: //'; }

if [[ "${BENCH_ONLINE_BUSY:-1}" != 0 ]]; then
echo "### trainer busy fraction under a fast producer (np 3: 2 solver ranks, 1 trainer)"
echo
echo "Burgers 1D, 128 cells, a snapshot every 0.02 to t = 1 (a simulation takes a few ms, its"
echo "50 pairs take the trainer about 2 s); fno1d (4 layers, width 32, 16 modes), batch 32,"
echo "600 steps; stream.backpressure: block."
echo
echo "| buffer policy | steps | wall s | busy fraction | solver time blocked (s, summed) | goal > 0.95 |"
echo "|---|---|---|---|---|---|"
for policy in fifo firo reservoir; do
  out="$work/busy_$policy"
  mpirun -np 3 "$surge" run configs/burgers1d.yaml --set output.directory="$out" \
    --set study.simulations=400 --set study.validation.simulations=0 \
    --set solver.parameters.cells=[128] --set solver.parameters.t_end=1.0 \
    --set training.max_steps=600 --set training.buffer.capacity=2000 \
    --set training.buffer.watermark=200 --set training.buffer.policy=$policy \
    --set progress.interval=0 >"$work/busy_$policy.log" 2>&1 \
    || { cat "$work/busy_$policy.log"; exit 1; }
  s="$out/summary.yaml"
  busy=$(field "$s" busy_fraction)
  met=$(awk -v b="$busy" 'BEGIN { print (b > 0.95) ? "met" : "missed" }')
  echo "| $policy | $(field "$s" steps) | $(field "$s" wall_seconds) | $busy |" \
    "$(field "$s" solver_blocked_seconds) | $met |"
done
echo
fi

if [[ "${BENCH_ONLINE_EXAMPLE:-1}" != 0 ]]; then
  echo "### the default example: mpirun -np 2 surge run configs/burgers1d.yaml"
  echo
  out="$work/example"
  start=$(date +%s.%N)
  mpirun -np 2 "$surge" run configs/burgers1d.yaml --set output.directory="$out" \
    >"$work/example.log" 2>&1 || { cat "$work/example.log"; exit 1; }
  end=$(date +%s.%N)
  s="$out/summary.yaml"
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
  one=$(field "$s" one_step_rel_l2)
  one_p=$(field "$s" one_step_persistence)
  roll=$(field "$s" rollout_nrmse)
  roll_p=$(field "$s" rollout_persistence)
  echo "| figure | value | persistence | ratio | target | met |"
  echo "|---|---|---|---|---|---|"
  awk -v v="$one" -v p="$one_p" 'BEGIN { r = p / v; printf "| one-step relative L2 | %.3g | %.3g | %.1fx | < 1e-2, >= 10x | %s |\n", v, p, r, (v < 1e-2 && r >= 10) ? "met" : "missed" }'
  awk -v v="$roll" -v p="$roll_p" 'BEGIN { r = p / v; printf "| 30-step rollout nRMSE | %.3g | %.3g | %.1fx | < 3e-2, >= 10x | %s |\n", v, p, r, (v < 3e-2 && r >= 10) ? "met" : "missed" }'
  awk -v w="$wall" 'BEGIN { printf "| wall time, whole job (s) | %s | | | <= 300 | %s |\n", w, (w <= 300) ? "met" : "missed" }'
  echo
  echo "training: $(grep '^training:' "$s" | sed 's/^training: //')"
fi
