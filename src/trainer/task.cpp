#include "trainer/task.hpp"

#include <cmath>
#include <sstream>
#include <utility>

#include "core/error.hpp"

namespace surge::trainer {

config::Schema task_schema() {
  using config::Schema;
  Schema next_step = Schema::map("fields at t -> fields at t + k every");
  next_step.add(
      "parameters",
      Schema::map("next_step settings")
          .add("k", Schema::integer(
                        "frames (output.every of simulated time each) between input and target")
                        .min(1)
                        .defaults("1"))
          .add("predict_delta",
               Schema::boolean("learn the change of the fields over the k frames instead of the "
                               "fields themselves (the prediction adds it to the input)")
                   .defaults("true")));
  Schema history = Schema::map("n past frames -> the next frame");
  history.add(
      "parameters",
      Schema::map("history settings")
          .add("frames", Schema::integer("past frames given to the model").min(1).defaults("2"))
          .add("predict_delta",
               Schema::boolean("learn the change from the last input frame").defaults("true")));
  Schema to_field = Schema::map("parameters and t -> fields at t");
  to_field.add("parameters", Schema::map("no settings").defaults("{}"));
  return Schema::typed(
             {{"next_step", next_step}, {"history", history}, {"parameters_to_field", to_field}},
             "what the surrogate learns: next_step (fields at t, with the sampled "
             "parameters as extra constant channels, to fields at t + k every), history "
             "(n past frames to the next), parameters_to_field (sampled parameters, t "
             "and the cell-centre coordinates to the fields at t, e.g. for an mlp)")
      .defaults("{type: next_step}");
}

TaskOptions task_options(const YAML::Node& section) {
  TaskOptions o;
  const std::string type = section["type"].as<std::string>();
  const YAML::Node p = section["parameters"];
  if (type == "next_step") {
    o.kind = TaskKind::NextStep;
    o.k = p["k"].as<int>();
    o.predict_delta = p["predict_delta"].as<bool>();
  } else if (type == "history") {
    o.kind = TaskKind::History;
    o.frames = p["frames"].as<int>();
    o.predict_delta = p["predict_delta"].as<bool>();
  } else if (type == "parameters_to_field") {
    o.kind = TaskKind::ParametersToField;
  } else {
    throw InputError("training.task.type: unknown task '" + type +
                     "'; available: next_step history parameters_to_field");
  }
  return o;
}

TaskLayout task_layout(const TaskOptions& options, const std::vector<std::string>& fields,
                       const std::vector<std::string>& parameters, const Grid& grid) {
  TaskLayout l;
  l.options = options;
  l.fields = fields;
  l.parameters = parameters;
  l.grid = grid;
  for (int d = grid.dim - 1; d >= 0; --d) l.model_grid.push_back(grid.cells[d]);
  l.points = grid.total_cells();
  static const char* axis[] = {"x", "y", "z"};
  switch (options.kind) {
    case TaskKind::NextStep:
      for (const auto& f : fields) l.inputs.push_back(f);
      break;
    case TaskKind::History:
      for (int n = options.frames; n >= 1; --n)
        for (const auto& f : fields) l.inputs.push_back(f + "(t-" + std::to_string(n - 1) + ")");
      break;
    case TaskKind::ParametersToField:
      break;
  }
  for (const auto& p : parameters) l.inputs.push_back(p);
  if (options.kind == TaskKind::ParametersToField) {
    l.inputs.emplace_back("t");
    for (int d = 0; d < grid.dim; ++d) l.inputs.emplace_back(axis[d]);
  }
  const bool delta = options.kind != TaskKind::ParametersToField && options.predict_delta;
  for (const auto& f : fields) l.targets.push_back(delta ? "d" + f : f);
  return l;
}

void build_input(const TaskLayout& layout, const std::vector<const float*>& frames,
                 const std::vector<double>& parameters, double time, float* out) {
  const std::int64_t n = layout.points;
  const std::int64_t frame_size = static_cast<std::int64_t>(layout.fields.size()) * n;
  for (const float* f : frames) {
    std::copy(f, f + frame_size, out);
    out += frame_size;
  }
  for (double p : parameters) {
    std::fill(out, out + n, static_cast<float>(p));
    out += n;
  }
  if (layout.options.kind != TaskKind::ParametersToField) return;
  std::fill(out, out + n, static_cast<float>(time));
  out += n;
  const Grid& g = layout.grid;
  for (int d = 0; d < g.dim; ++d) {
    for (int k = 0; k < g.cells[2]; ++k)
      for (int j = 0; j < g.cells[1]; ++j)
        for (int i = 0; i < g.cells[0]; ++i) {
          const int idx[3] = {i, j, k};
          *out++ = static_cast<float>(g.center(d, idx[d]));
        }
  }
}

std::string sample_mismatch(const TaskLayout& layout, const stream::Sample& sample) {
  std::ostringstream o;
  const auto& m = sample.meta;
  if (m.fields != layout.fields) {
    o << "simulation " << m.simulation << " streams " << m.fields.size()
      << " field(s) other than the " << layout.fields.size() << " expected";
  } else if (m.parameters.size() != layout.parameters.size()) {
    o << "simulation " << m.simulation << " carries " << m.parameters.size()
      << " parameter(s), expected " << layout.parameters.size();
  } else if (m.grid.dim != layout.grid.dim || m.grid.cells != layout.grid.cells) {
    o << "simulation " << m.simulation << " streams a grid of " << m.grid.total_cells()
      << " cells, expected " << layout.grid.total_cells();
  } else if (sample.values.size() !=
             layout.fields.size() * static_cast<std::size_t>(layout.points)) {
    o << "simulation " << m.simulation << " sample holds " << sample.values.size()
      << " values, expected " << layout.fields.size() * static_cast<std::size_t>(layout.points);
  }
  return o.str();
}

std::vector<const float*> input_frames(const TaskLayout& layout, const Frames& frames,
                                       long long j) {
  std::vector<const float*> inputs;
  for (long long f = j - layout.stride() - (layout.input_frames() - 1); f <= j - layout.stride();
       ++f) {
    auto it = frames.find(f);
    if (f < 0 || it == frames.end()) return {};
    inputs.push_back(it->second.data());
  }
  return inputs;
}

PairBuilder::PairBuilder(TaskLayout layout, double every, double final_time)
    : layout_(std::move(layout)), every_(every), final_time_(final_time) {}

long long PairBuilder::frame_index(double t) const {
  const double j = std::round(t / every_);
  if (std::abs(t - j * every_) > 1e-9 * std::max(1.0, std::abs(t))) return -1;
  return static_cast<long long>(j);
}

std::vector<train::Sample> PairBuilder::add(const stream::Sample& sample) {
  if (const std::string what = sample_mismatch(layout_, sample); !what.empty())
    throw RuntimeError("training: " + what);
  const auto& m = sample.meta;
  const std::int64_t n = layout_.points;
  const std::size_t frame_size = sample.values.size();
  const std::int64_t in_size = layout_.in_channels() * n;
  const std::int64_t out_size = layout_.out_channels() * n;
  std::vector<float> values(sample.values.begin(), sample.values.end());
  std::vector<train::Sample> pairs;
  const bool last = m.time >= final_time_ - 1e-9 * std::max(1.0, std::abs(final_time_));

  auto pair = [&](const std::vector<const float*>& inputs, const float* previous) {
    train::Sample s;
    s.simulation = m.simulation;
    s.step = m.step;
    s.data.resize(static_cast<std::size_t>(in_size + out_size));
    build_input(layout_, inputs, m.parameters, m.time, s.data.data());
    float* target = s.data.data() + in_size;
    for (std::size_t i = 0; i < frame_size; ++i)
      target[i] = previous ? values[i] - previous[i] : values[i];
    pairs.push_back(std::move(s));
  };

  if (layout_.options.kind == TaskKind::ParametersToField) {
    pair({}, nullptr);
    return pairs;
  }
  const long long j = frame_index(m.time);
  auto& held = frames_[m.simulation];
  if (j >= 0) {
    const std::vector<const float*> inputs = input_frames(layout_, held, j);
    if (!inputs.empty()) pair(inputs, layout_.options.predict_delta ? inputs.back() : nullptr);
    // Keep what a later frame may still need.
    const long long keep_from = j + 1 - layout_.stride() - (layout_.input_frames() - 1);
    held.erase(held.begin(), held.lower_bound(keep_from));
    held[j] = std::move(values);
  }
  if (last) frames_.erase(m.simulation);
  return pairs;
}

}  // namespace surge::trainer
