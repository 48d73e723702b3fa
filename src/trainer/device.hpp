#pragma once
// Where a trainer rank trains: `training.device` (auto | cpu | cuda).
//
//   cpu    the CPU, always.
//   cuda   a CUDA device; trainer ranks are mapped to the devices of their node by node-local
//          trainer rank (local rank k uses device k mod the number of devices visible to it).
//          An InputError if this rank sees none (a CPU-only LibTorch, such as Debian's, or no
//          GPU in the allocation).
//   auto   cuda where a device is visible, else the CPU.
//
// The data stay on the host until a batch is assembled; the batch, the model, the optimiser
// state and the normalisation go to the device. Gradients are averaged over the trainer ranks
// through a host buffer (no CUDA-aware MPI needed); saved models and checkpoints hold CPU
// tensors, so they load anywhere.
#include <torch/torch.h>

#include <string>

namespace surge::trainer {

// Not collective. Empty if `setting` can be honoured on this rank, else what is wrong (for an
// InputError about `training.device`).
std::string device_problem(const std::string& setting);

// Not collective. The device for `setting` on the trainer rank of node-local trainer rank
// `local_rank`. Throws InputError where device_problem() is not empty.
torch::Device trainer_device(const std::string& setting, int local_rank);

}  // namespace surge::trainer
