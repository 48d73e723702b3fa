#include "trainer/evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace surge::trainer {

namespace {

// Sums over the points of each field of the squared difference and of the squared truth.
struct Squares {
  std::vector<double> error, truth;
};

Squares squares(const float* prediction, const float* truth, std::size_t fields,
                std::int64_t points) {
  Squares s{std::vector<double>(fields, 0.0), std::vector<double>(fields, 0.0)};
  for (std::size_t f = 0; f < fields; ++f) {
    const std::size_t at = f * static_cast<std::size_t>(points);
    double e2 = 0, t2 = 0;
    for (std::int64_t i = 0; i < points; ++i) {
      const double t = truth[at + static_cast<std::size_t>(i)];
      const double e = prediction[at + static_cast<std::size_t>(i)] - t;
      e2 += e * e;
      t2 += t * t;
    }
    s.error[f] = e2;
    s.truth[f] = t2;
  }
  return s;
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// The guard of the validation's rollout nRMSE: a truth of zero gives a huge, finite ratio.
double ratio(double error2, double truth2) {
  return std::sqrt(error2 / std::max(truth2, 1e-300));
}

}  // namespace

RolloutPlan rollout_plan(const TaskLayout& layout, long long last_frame) {
  RolloutPlan plan;
  const long long stride = layout.stride();
  for (long long f = 0; f < layout.input_frames(); ++f) plan.inputs.push_back(f * stride);
  for (long long j = plan.inputs.back() + stride; j <= last_frame; j += stride)
    plan.targets.push_back(j);
  return plan;
}

RolloutResult evaluate_rollout(const Surrogate& s, const RolloutPlan& plan, const Frames& truth,
                               const std::vector<double>& parameters) {
  using clock = std::chrono::steady_clock;
  RolloutResult result;
  const TaskLayout& layout = s.layout;
  const bool to_field = layout.options.kind == TaskKind::ParametersToField;
  const std::size_t fields = layout.fields.size();
  const std::int64_t n = layout.points;
  const double volume = layout.grid.cell_volume();

  std::vector<std::vector<float>> window;  // the model's input frames, oldest first
  for (long long f : plan.inputs) {
    auto it = truth.find(f);
    if (it == truth.end()) return result;
    window.push_back(it->second);
  }
  const std::vector<float> start = window.back();  // what persistence predicts
  std::vector<double> error2(fields, 0.0), persistence2(fields, 0.0), truth2(fields, 0.0);
  double seconds = 0;
  std::vector<float> predicted;
  for (long long j : plan.targets) {
    auto it = truth.find(j);
    if (it == truth.end()) break;
    const float* t = it->second.data();
    const double time = static_cast<double>(j) * s.every;
    std::vector<const float*> inputs;
    if (!to_field)
      for (const auto& w : window) inputs.push_back(w.data());
    const auto t0 = clock::now();
    predicted = s.predict(inputs, parameters, time);
    seconds += std::chrono::duration<double>(clock::now() - t0).count();

    const Squares e = squares(predicted.data(), t, fields, n);
    const Squares p = squares(start.data(), t, fields, n);
    StepFigures fig;
    fig.frame = j;
    fig.time = time;
    fig.rel_l2 = ratio(sum(e.error), sum(e.truth));
    fig.persistence_rel_l2 = ratio(sum(p.error), sum(p.truth));
    for (std::size_t f = 0; f < fields; ++f) {
      error2[f] += e.error[f];
      persistence2[f] += p.error[f];
      truth2[f] += e.truth[f];
      fig.field_rel_l2.push_back(ratio(e.error[f], e.truth[f]));
      fig.field_persistence_rel_l2.push_back(ratio(p.error[f], p.truth[f]));
      fig.field_nrmse.push_back(ratio(error2[f], truth2[f]));
      fig.field_persistence_nrmse.push_back(ratio(persistence2[f], truth2[f]));
    }
    fig.nrmse = ratio(sum(error2), sum(truth2));
    fig.persistence_nrmse = ratio(sum(persistence2), sum(truth2));
    // One step from the solver's own frames; parameters_to_field has no input frames, so its
    // rollout step is already that.
    if (to_field) {
      fig.one_step_rel_l2 = fig.rel_l2;
    } else {
      const std::vector<const float*> own = input_frames(layout, truth, j);
      if (own.empty()) {
        fig.one_step_rel_l2 = std::numeric_limits<double>::quiet_NaN();
      } else {
        const std::vector<float> one = s.predict(own, parameters, time);
        const Squares o = squares(one.data(), t, fields, n);
        fig.one_step_rel_l2 = ratio(sum(o.error), sum(o.truth));
      }
    }
    fig.surrogate_integrals = field_integrals(predicted.data(), fields, n, volume);
    fig.surrogate_seconds = seconds;
    result.steps.push_back(std::move(fig));
    if (!to_field) {
      window.erase(window.begin());
      window.push_back(predicted);
    }
  }
  result.last_prediction = std::move(predicted);
  return result;
}

}  // namespace surge::trainer
