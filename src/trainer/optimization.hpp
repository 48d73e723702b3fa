#pragma once
// The loss, optimizer and learning-rate schedule of the `training:` section, TorchFort style:
// `training.loss`, `training.optimizer` and `training.lr_scheduler` are each {type, parameters}.
//
//   training:
//     loss: {type: relative_l2}
//     optimizer: {type: adamw, parameters: {lr: 1e-3, max_grad_norm: 1}}
//     lr_scheduler: {type: cosine, parameters: {warmup_steps: 100}}
//
// The schemas below are the typed schemas of those sections only; the section defaults (e.g.
// `{type: mse}`) belong to the caller that assembles the `training:` schema. Checks that involve
// more than one key (nesterov needs momentum, a cosine schedule needs a horizon) cannot be
// written in a schema and are made when the objects are built, with InputErrors that name the
// full key path.
//
// Nothing here is collective: in data-parallel training every trainer rank builds the same
// Optimizer from the same resolved configuration and, given the averaged gradients, takes the
// same step.
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

#include "core/schema.hpp"

namespace surge::trainer {

// ---------------------------------------------------------------- loss

// The training losses. Both are means over the samples of the batch (dim 0), so their gradient
// does not depend on the batch size and data-parallel averaging of gradients is exact.
enum class Loss { Mse, RelativeL2 };

// Typed schema of `training.loss`: types `mse` and `relative_l2`, each with an empty
// `parameters` map (default {}), so `{type: mse}` is complete. Not collective.
config::Schema loss_schema();

// The loss named by the resolved `training.loss` section. An unknown type (a section that did not
// go through config::resolve) throws InputError listing the available ones. Not collective.
Loss loss_from_config(const YAML::Node& resolved_loss_section);

// The loss of `prediction` against `target`, both [batch, ...] of the same shape (RuntimeError
// otherwise, or for an empty batch); a 0-dimensional tensor that keeps the autograd graph.
//   mse:         mean over all elements of (p - t)^2 (torch::mse_loss).
//   relative_l2: mean over the samples i of ||p_i - t_i||_2 / max(||t_i||_2, 1e-12), the norms
//                taken over all non-batch dimensions; the floor keeps an all-zero target finite.
// Not collective.
torch::Tensor loss_value(Loss loss, const torch::Tensor& prediction, const torch::Tensor& target);

// ---------------------------------------------------------------- optimizer and schedule

// Typed schema of `training.optimizer`: types `adam` (L2 weight decay added to the gradient, as
// torch.optim.Adam), `adamw` (decoupled weight decay, as torch.optim.AdamW) and `sgd` (with
// optional momentum and Nesterov), each with lr, weight_decay and max_grad_norm (global
// gradient-norm clipping, 0 = off). Not collective.
config::Schema optimizer_schema();

// Typed schema of `training.lr_scheduler`: types `constant`, `step` and `cosine`, each with
// `warmup_steps`. The formulas are those of LrSchedule::at(). Not collective.
config::Schema lr_scheduler_schema();

// The learning rate as a function of the optimizer step. With W = warmup_steps, lr the
// optimizer's base learning rate and s the 0-based step:
//   s < W (warmup, every type): lr * (s + 1) / W, a linear ramp whose last warmup step uses lr
//   itself (so the first step never uses a zero learning rate);
//   s >= W, with k = s - W:
//     constant: lr
//     step:     lr * gamma^floor(k / step_size)
//     cosine:   min_lr + (lr - min_lr) * (1 + cos(pi * min(k, T) / T)) / 2, T = H - W, where the
//               horizon H is `steps`, or the caller's total_steps when `steps` is 0; min_lr from
//               step H on.
class LrSchedule {
 public:
  // Builds the schedule from the resolved `training.lr_scheduler` section. `total_steps` is the
  // number of optimizer steps of the whole training, 0 when unknown (RuntimeError if negative).
  // Throws InputError naming the key when a cosine schedule has no horizon (`steps` 0 and
  // total_steps 0), when its warmup does not end before the horizon, or when min_lr exceeds
  // base_lr. Not collective.
  LrSchedule(const YAML::Node& resolved_scheduler_section, double base_lr, long long total_steps);

  // The learning rate of optimizer step number `step` (0-based; RuntimeError if negative). Not
  // collective.
  double at(long long step) const;

  // One line for the log, e.g. "cosine over 2000 steps, warmup 100". Not collective.
  std::string describe() const;

 private:
  enum class Type { Constant, Step, Cosine };
  Type type_ = Type::Constant;
  double base_lr_ = 0;
  long long warmup_ = 0;
  long long step_size_ = 1;  // step
  double gamma_ = 1;         // step
  long long horizon_ = 0;    // cosine: H, the step from which min_lr applies
  double min_lr_ = 0;        // cosine
};

// A torch optimizer driven by an LrSchedule, with optional global gradient-norm clipping.
//
// In data-parallel training call step() after average_gradients(): the norm it clips is then the
// norm of the averaged gradient, the same on every rank, so the replicas stay identical.
class Optimizer {
 public:
  // Builds the torch optimizer of the resolved `training.optimizer` section over `parameters`
  // and the schedule of the resolved `training.lr_scheduler` section (see LrSchedule for
  // `total_steps`). Throws InputError naming training.optimizer.parameters.nesterov for
  // Nesterov without momentum, and the LrSchedule errors. Not collective.
  Optimizer(const YAML::Node& resolved_optimizer_section,
            const YAML::Node& resolved_scheduler_section, std::vector<torch::Tensor> parameters,
            long long total_steps);

  // Clears the gradients of the parameters (torch::optim::Optimizer::zero_grad). Not
  // collective.
  void zero_grad();

  // Sets the learning rate of every param group to the schedule's value at steps(), clips the
  // global gradient 2-norm (over all parameters together) to max_grad_norm when that is > 0 (as
  // torch.nn.utils.clip_grad_norm_: gradients scaled by max_grad_norm / (norm + 1e-6) when that
  // is below 1), takes the torch optimizer step and increments steps(). Returns the global
  // gradient norm before clipping, 0 when no parameter has a gradient. A non-finite norm is
  // returned as it is, after the step has been taken with the non-finite gradient: check the loss
  // before calling step() to skip a bad batch. Not collective.
  double step();

  // The learning rate used by the last step, or the one the first step will use before any
  // step: the schedule at max(steps() - 1, 0). The param groups of torch_optimizer() hold the
  // same value. Not collective.
  double lr() const;

  // Number of steps taken (or set by set_steps()). Not collective.
  long long steps() const { return steps_; }

  // Sets the step counter, when resuming from a checkpoint, so that the schedule continues where
  // it stopped (the torch optimizer's own state, e.g. Adam's moments, is restored separately
  // through torch_optimizer()). RuntimeError if negative. Not collective.
  void set_steps(long long s);

  // The underlying torch optimizer (its state for checkpoints, its param groups). Not collective.
  torch::optim::Optimizer& torch_optimizer() { return *optimizer_; }

  // One line for the log, e.g. "adam lr 0.001, weight decay 0, clip off; cosine over 2000
  // steps, warmup 100". Not collective.
  std::string describe() const;

 private:
  std::vector<torch::Tensor> parameters_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  LrSchedule schedule_;
  double max_grad_norm_ = 0;
  long long steps_ = 0;
  std::string description_;  // the optimizer's half of describe()

  // Writes lr() into every param group.
  void apply_lr();
};

}  // namespace surge::trainer
