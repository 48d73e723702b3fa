#!/bin/bash
# GPU checks of the trainer side, for a surge built against a CUDA LibTorch on a machine with a
# GPU (docs/cluster.md, "GPU trainers"). Not part of ctest: the machines the test suite runs on
# have no GPU. Run it in an empty directory:
#
#   SURGE=build-gpu/apps/surge bash tests/gpu/run_checks.sh
#
# Environment: SURGE (the binary, required), MPIRUN (default "mpirun"), DEV (default cuda; cpu
# runs the same checks on the CPU), SRC (the source tree, default: this script's). Python with
# torch is needed for two checks. Each check prints "CHECK name: PASS" or "CHECK name: FAIL
# (why)"; the exit status is the number of failed checks. About 2 minutes on one GPU.
set -u
SURGE=${SURGE:?set SURGE to the surge binary}
MPIRUN=${MPIRUN:-mpirun}
DEV=${DEV:-cuda}
SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
failures=0
small=(--set study.simulations=6 --set study.validation.simulations=2 --set solver.parameters.cells=[64]
       --set solver.parameters.t_end=0.2 --set output.every=0.02 --set progress.interval=0)
train=(--set training.max_steps=300 --set training.steps_after_stream=150 --set training.validate_every=100
       --set training.metrics_every=20 --set training.buffer.watermark=20 --set training.batch_size=8
       --set training.rollout_steps=5)
pass() { echo "CHECK $1: PASS"; }
failc() { echo "CHECK $1: FAIL ($2)"; failures=$((failures + 1)); }
runlog() {  # NAME COMMAND...: runs it into NAME.out/.err, prints their tails, returns its status
  local name=$1; shift; echo "--- $name: $*"; local t0=$SECONDS
  "$@" >$name.out 2>$name.err; local rc=$?
  echo "--- $name: rc $rc in $((SECONDS - t0)) s"; tail -n 25 $name.out; tail -n 15 $name.err; return $rc; }
B1="$SRC/configs/burgers1d.yaml"

# 1. two trainer ranks sharing the one GPU, one solver rank
runlog g2 $MPIRUN -np 3 $SURGE run $B1 "${small[@]}" "${train[@]}" --set layout.trainer_ranks_per_node=2 \
  --set training.device=$DEV --set output.directory=g2 && pass two_trainers_one_gpu || failc two_trainers_one_gpu rc
grep -i "device" g2.out | head -5
# 2. the same on the CPU, for comparison of the figures
runlog c2 $MPIRUN -np 3 $SURGE run $B1 "${small[@]}" "${train[@]}" --set layout.trainer_ranks_per_node=2 \
  --set training.device=cpu --set output.directory=c2 && pass cpu_reference || failc cpu_reference rc
for d in g2 c2; do echo "== $d metrics (last rows)"; tail -n 3 $d/metrics.csv 2>/dev/null; done
# 3. the weights written from the device are CPU tensors, readable in Python
python3 - <<'PY' && pass model_pt_cpu_tensors || failc model_pt_cpu_tensors python
import torch, glob, sys
sd = torch.load("g2/model.pt", weights_only=False) if "weights_only" in torch.load.__code__.co_varnames else torch.load("g2/model.pt")
devs = {str(v.device) for v in (sd.values() if isinstance(sd, dict) else [])}
print("model.pt:", type(sd).__name__, len(sd), "tensors on", devs)
sys.exit(0 if devs == {"cpu"} else 1)
PY
# 4. auto picks the GPU
runlog a1 $MPIRUN -np 2 $SURGE run $B1 "${small[@]}" "${train[@]}" --set training.device=auto --set output.directory=a1 \
  && grep -q "trainer 0 $DEV" a1.out && pass auto_picks_gpu || failc auto_picks_gpu "rc or device line"
grep "training.device" a1.out | head -2
# 5. a checkpoint written on the CPU resumes on the GPU, and one written on the GPU on the CPU
rtrain=(--set study.simulations=300 --set training.buffer.policy=fifo --set training.buffer.capacity=16
        --set training.buffer.watermark=4 --set training.batch_size=4 --set training.max_steps=0
        --set training.validate_every=100000 --set training.metrics_every=5 --set 'training.lr_scheduler={type: constant}')
interrupt_then_resume() {  # NAME DEV_BEFORE DEV_AFTER
  local n=$1 before=$2 after=$3
  rm -rf $n $n.partial
  $MPIRUN -np 2 $SURGE run $B1 "${small[@]}" "${rtrain[@]}" --set training.device=$before --set output.directory=$n >$n.i.out 2>$n.i.err &
  local pid=$!
  for _ in $(seq 1200); do grep -q "^[2-9][0-9]," $n.partial/metrics.csv 2>/dev/null && break; kill -0 $pid 2>/dev/null || break; sleep 0.01; done
  # to the ranks themselves: an mpirun that does not forward SIGUSR1 (seen once) would let
  # the run finish
  kill -USR1 $(pgrep -P $pid) 2>/dev/null || echo "no rank to signal"; wait $pid; local st=$?
  echo "--- $n interrupted: status $st (expected 3)"; tail -n 5 $n.i.out; tail -n 5 $n.i.err
  [[ $st -eq 3 ]] || return 1
  runlog $n.r $MPIRUN -np 2 $SURGE run $B1 "${small[@]}" "${rtrain[@]}" --set training.device=$after \
    --set output.directory=$n --resume $n || return 1
  [[ -s $n/model.pt ]]
}
interrupt_then_resume rcc cpu cpu && pass resume_cpu_checkpoint_on_cpu || failc resume_cpu_checkpoint_on_cpu see-log
interrupt_then_resume rc cpu $DEV && pass resume_cpu_checkpoint_on_gpu || failc resume_cpu_checkpoint_on_gpu see-log
interrupt_then_resume rg $DEV cpu && pass resume_gpu_checkpoint_on_cpu || failc resume_gpu_checkpoint_on_cpu see-log
interrupt_then_resume rgg $DEV $DEV && pass resume_gpu_checkpoint_on_gpu || failc resume_gpu_checkpoint_on_gpu see-log
for n in rcc rc rg rgg; do grep -h "resuming\|device" $n.r.out; done
# 6. a TorchScript model follows the move to the GPU
cat > ts.py <<'PY'
import torch
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv1d(2, 16, 5, padding=2, padding_mode="circular")
        self.b = torch.nn.Conv1d(16, 1, 5, padding=2, padding_mode="circular")
    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))
torch.jit.script(M()).save("ts.pt")
PY
python3 ts.py
runlog ts $MPIRUN -np 2 $SURGE run $B1 "${small[@]}" "${train[@]}" --set training.device=$DEV \
  --set 'training.model={type: torchscript, parameters: {file: ts.pt}}' --set output.directory=ts \
  && pass torchscript_on_gpu || failc torchscript_on_gpu rc
# 7. the offline workflow (files first, then training) on the GPU
runlog off $MPIRUN -np 2 $SURGE run $B1 --offline "${small[@]}" "${train[@]}" --set training.device=$DEV \
  --set output.directory=off && pass offline_on_gpu || failc offline_on_gpu rc
# 8. fno2d (complex spectral weights) and unet2d on the GPU
runlog ns $MPIRUN -np 3 $SURGE run $SRC/configs/ns2d_fno.yaml --set study.simulations=3 --set study.validation.simulations=1 \
  --set solver.parameters.t_end=1.0 --set progress.interval=0 --set training.max_steps=100 --set training.steps_after_stream=50 \
  --set training.validate_every=50 --set training.batch_size=4 --set training.buffer.watermark=4 --set training.rollout_steps=2 \
  --set training.device=$DEV --set output.directory=ns && pass fno2d_on_gpu || failc fno2d_on_gpu rc
runlog eu $MPIRUN -np 3 $SURGE run $SRC/configs/euler2d_quadrants.yaml --set study.simulations=3 --set study.validation.simulations=1 \
  --set solver.parameters.cells=[32,32] --set progress.interval=0 --set training.max_steps=100 --set training.steps_after_stream=50 \
  --set training.validate_every=50 --set training.batch_size=4 --set training.buffer.watermark=4 --set training.rollout_steps=2 \
  --set training.device=$DEV --set output.directory=eu && pass unet2d_on_gpu || failc unet2d_on_gpu rc
# 9. the fno2d run again on the CPU: its wall time beside the GPU's (metrics.csv)
runlog nsc $MPIRUN -np 3 $SURGE run $SRC/configs/ns2d_fno.yaml --set study.simulations=3 --set study.validation.simulations=1 \
  --set solver.parameters.t_end=1.0 --set progress.interval=0 --set training.max_steps=100 --set training.steps_after_stream=50 \
  --set training.validate_every=50 --set training.batch_size=4 --set training.buffer.watermark=4 --set training.rollout_steps=2 \
  --set training.device=cpu --set output.directory=nsc && pass fno2d_cpu_reference || failc fno2d_cpu_reference rc
for d in ns nsc; do echo "== $d metrics (header, last row)"; head -n 1 $d/metrics.csv; tail -n 1 $d/metrics.csv; done
exit $failures
