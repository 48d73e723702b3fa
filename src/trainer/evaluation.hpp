#pragma once
// A trained surrogate against the solver on one simulation (`surge evaluate`): the surrogate
// starts from the solver's first frame(s) and is applied to its own predictions up to the last
// frame; every model step is compared with the solver's state at the same time.
//
// The errors are those of the trainer's validation (trainer/online.cpp), computed over the
// points of one field or of all fields together, from float states with sums in double:
//   rel_l2 (step r)      ||prediction_r - truth_r||_2 / ||truth_r||_2
//   nrmse (steps 1..r)   sqrt(sum over s <= r of ||prediction_s - truth_s||^2
//                             / sum over s <= r of ||truth_s||^2)
//                        (the validation's rollout nRMSE when r is its horizon)
//   one_step_rel_l2      rel_l2 of one model step from the solver's own frames (not the
//                        surrogate's): the validation's one-step error
//   persistence          rel_l2 and nrmse of the last input frame held constant (no change)
#include <cstdint>
#include <vector>

#include "trainer/surrogate.hpp"
#include "trainer/task.hpp"

namespace surge::trainer {

// Which frames a rollout starts from and which it predicts.
struct RolloutPlan {
  std::vector<long long> inputs;   // solver frames the surrogate starts from, oldest first
  std::vector<long long> targets;  // frames predicted, one per model step
};

// The rollout of `layout`'s task over frames 0 .. last_frame. next_step and history: the first
// input_frames() frames, stride() apart, then every stride()-th frame after the last of them;
// parameters_to_field (no input frames): frame 0 is the start (persistence holds it) and every
// later frame is predicted directly from the parameters and its time. Not collective.
RolloutPlan rollout_plan(const TaskLayout& layout, long long last_frame);

// The figures of one model step (see the top of this file); `field_*` hold one value per field.
struct StepFigures {
  long long frame = 0;
  double time = 0;
  double rel_l2 = 0, persistence_rel_l2 = 0, nrmse = 0, persistence_nrmse = 0;
  double one_step_rel_l2 = 0;
  std::vector<double> field_rel_l2, field_persistence_rel_l2, field_nrmse, field_persistence_nrmse;
  std::vector<double> surrogate_integrals;  // per field, see field_integrals()
  double surrogate_seconds = 0;             // wall time of the rollout's model steps so far
};

struct RolloutResult {
  std::vector<StepFigures> steps;
  std::vector<float> last_prediction;  // the surrogate's state after the last step
};

// Not collective. `truth` holds the solver's frames of one simulation with `parameters`
// (fields x points values each, as streamed); the rollout follows `plan` for as long as the
// truth has its frames (a simulation that failed stops early), and is empty if an input frame
// is missing. The time of a frame is frame x s.every. Only the model steps of the rollout are
// timed (Surrogate::predict: input, normalisation, forward, delta), not the error sums.
RolloutResult evaluate_rollout(const Surrogate& s, const RolloutPlan& plan, const Frames& truth,
                               const std::vector<double>& parameters);

// The integral over the domain of each of `fields` fields (`points` values each, field after
// field): the sum of its values times `cell_volume`, summed in double. Not collective.
template <class T>
std::vector<double> field_integrals(const T* values, std::size_t fields, std::int64_t points,
                                    double cell_volume) {
  std::vector<double> out(fields, 0.0);
  for (std::size_t f = 0; f < fields; ++f) {
    double sum = 0;
    const T* v = values + f * static_cast<std::size_t>(points);
    for (std::int64_t i = 0; i < points; ++i) sum += static_cast<double>(v[i]);
    out[f] = sum * cell_volume;
  }
  return out;
}

}  // namespace surge::trainer
