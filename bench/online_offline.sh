#!/usr/bin/env bash
# Online against offline training of the same study, model and samples, in one run of this
# script: `surge run CONFIG` (simulations stream to the trainer while it trains) and then
# `surge run CONFIG --offline` (every rank simulates into study files, then the same trainer
# ranks train on them), on the same ranks. Prints the table of docs/benchmarks.md: wall time
# of the whole job, the time of each phase, the bytes the offline path wrote, and the held-out
# errors at the end of each run and at equal wall time (from metrics.csv, whose wall_s counts
# from the job's start in both modes).
#
#   bench/online_offline.sh [BUILD_DIR [NP [CONFIG [surge options...]]]]
#       defaults: build, 2 ranks, configs/burgers1d.yaml (the default example)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/env.sh
source scripts/env.sh
dir="${1:-build}"
np="${2:-2}"
config="${3:-configs/burgers1d.yaml}"
shift $(($# < 3 ? $# : 3))
surge="$dir/apps/surge"
[[ -x "$surge" ]] || { echo "online_offline.sh: $surge not built (run scripts/setup.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/surge-bench-offline-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "### online against offline: mpirun -np $np surge run $config $* [--offline]"
echo
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for mode in online offline; do
  flag=()
  [[ $mode == offline ]] && flag=(--offline)
  start=$(date +%s.%N)
  mpirun -np "$np" "$surge" run "$config" "$@" --set output.directory="$work/$mode" \
    --set progress.interval=0 "${flag[@]}" >"$work/$mode.log" 2>&1 \
    || { cat "$work/$mode.log"; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }' >"$work/$mode.job_s"
done

/usr/bin/python3 - "$work" <<'PY'
import csv, math, os, sys, yaml
work = sys.argv[1]
runs = {}
for mode in ("online", "offline"):
    s = yaml.safe_load(open(os.path.join(work, mode, "summary.yaml")))
    rows = [r for r in csv.DictReader(open(os.path.join(work, mode, "metrics.csv")))
            if r["val_one_step"]]
    curve = [(float(r["wall_s"]), float(r["val_one_step"]), float(r["val_rollout"] or "nan"))
             for r in rows]
    job = float(open(os.path.join(work, mode + ".job_s")).read())
    runs[mode] = (s, curve, job)

def at(curve, t):
    """The last validation taken by wall time t (None before the first)."""
    done = [c for c in curve if c[0] <= t]
    return done[-1] if done else None

def g(v):
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else "%.3g" % v

print("| mode | job wall s (mpirun) | run wall s | simulate s | write s | read s | train s | "
      "disk bytes written | one-step rel. L2 | rollout nRMSE | steps | pairs |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for mode, (s, curve, job) in runs.items():
    ph = s["phases_seconds"]
    print("| %s | %.1f | %.1f | %s | %s | %s | %.1f | %d | %s | %s | %d | %d |" % (
        mode, job, s["wall_seconds"], g(ph["simulate"]), g(ph["write"]), g(ph["read"]),
        ph["train"], s["data_bytes"], g(s["validation"]["one_step_rel_l2"]),
        g(s["validation"]["rollout_nrmse"]), s["training"]["steps"], s["training"]["pairs"]))
on, off = runs["online"], runs["offline"]
print()
print("speed-up of online, whole job: %.2fx (goal >= 2x)" % (off[2] / on[2]))
print()
print("| at wall time (s) | online one-step | offline one-step | online rollout | offline rollout |")
print("|---|---|---|---|---|")
for t in sorted({on[0]["wall_seconds"], off[0]["wall_seconds"]}):
    a, b = at(on[1], t), at(off[1], t)
    print("| %.1f | %s | %s | %s | %s |" % (t, g(a and a[1]), g(b and b[1]) if b else "not trained yet",
                                            g(a and a[2]), g(b and b[2]) if b else "not trained yet"))
PY
