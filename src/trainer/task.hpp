#pragma once
// Tasks: what a surrogate learns, i.e. how the assembled states of a simulation (stream
// Samples) become training pairs (model input, target).
//
//   next_step            fields at frame j-k plus the sampled parameters as constant channels
//                        -> fields at frame j (or their change, predict_delta)
//   history              fields at frames j-n .. j-1 plus the parameters -> fields at frame j
//                        (or the change from frame j-1)
//   parameters_to_field  the parameters, t and the cell-centre coordinates as constant or
//                        coordinate channels -> fields at time t
//
// Frames are the states a simulation streams at t = 0, every, 2 every, ...; frame j is the one
// at t = j * every. A state at another time (a final time that is not a multiple of `every`)
// is not a frame and makes no pair for next_step or history. Pairs are only made from frames
// that all arrived (with stream.backpressure: drop_oldest some may not).
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "grid/grid.hpp"
#include "stream/snapshot.hpp"
#include "train/buffer.hpp"

namespace surge::trainer {

enum class TaskKind { NextStep, History, ParametersToField };

struct TaskOptions {
  TaskKind kind = TaskKind::NextStep;
  int k = 1;                   // next_step: frames between input and target
  int frames = 1;              // history: past frames in the input
  bool predict_delta = false;  // next_step, history: the target is the change of the fields
};

// Schema of `training.task` ({type, parameters}).
config::Schema task_schema();
// From a resolved `training.task` section. Not collective.
TaskOptions task_options(const YAML::Node& section);

// The channels of a pair. Tensors are [channels, grid...] with `grid` in the model's order
// ({nx} in 1D, {ny, nx} in 2D): the stream's layout (field after field, x fastest).
struct TaskLayout {
  TaskOptions options;
  std::vector<std::string> fields;      // solver fields
  std::vector<std::string> parameters;  // study parameters
  Grid grid;
  std::vector<int> model_grid;  // points per axis, slowest first
  std::int64_t points = 0;
  std::vector<std::string> inputs;   // input channel names
  std::vector<std::string> targets;  // target channel names

  int in_channels() const { return static_cast<int>(inputs.size()); }
  int out_channels() const { return static_cast<int>(targets.size()); }
  // Frames the model needs to predict the next one (1 for next_step and parameters_to_field).
  int input_frames() const { return options.kind == TaskKind::History ? options.frames : 1; }
  // Frames between the last input frame and the target (k for next_step, else 1).
  int stride() const { return options.kind == TaskKind::NextStep ? options.k : 1; }
};

// Not collective.
TaskLayout task_layout(const TaskOptions& options, const std::vector<std::string>& fields,
                       const std::vector<std::string>& parameters, const Grid& grid);

// Writes the model input for predicting the state after `frames` (oldest first, each
// fields x points values) of a simulation with parameters `parameters`, at time `time` (used
// by parameters_to_field only), into `out` (in_channels x points values).
void build_input(const TaskLayout& layout, const std::vector<const float*>& frames,
                 const std::vector<double>& parameters, double time, float* out);

// Frames of one simulation that arrived: frame index -> fields x points values.
using Frames = std::map<long long, std::vector<float>>;

// The input frames (oldest first) from which the model predicts frame `j`, or nothing if one of
// them has not arrived (or would come before frame 0). Not for parameters_to_field.
std::vector<const float*> input_frames(const TaskLayout& layout, const Frames& frames, long long j);

// Turns the states of many simulations, arriving in time order per simulation, into pairs.
// Keeps the frames still needed by a later pair of each simulation; a simulation is forgotten
// once its state at `final_time` arrived. Not collective; not thread-safe.
class PairBuilder {
 public:
  PairBuilder(TaskLayout layout, double every, double final_time);

  // The pairs that `sample` completes: train::Sample with data = input (in_channels x points)
  // then target (out_channels x points). Throws RuntimeError if the sample's fields, parameter
  // count or grid differ from the layout's.
  std::vector<train::Sample> add(const stream::Sample& sample);
  // Frame index of time t, or -1 if t is not a frame time.
  long long frame_index(double t) const;
  // Simulations with frames held.
  std::size_t active() const { return frames_.size(); }

 private:
  TaskLayout layout_;
  double every_, final_time_;
  std::map<long long, Frames> frames_;  // simulation -> frames still needed
};

// Checks that `sample` fits `layout` (fields, parameters, grid); returns what is wrong or "".
std::string sample_mismatch(const TaskLayout& layout, const stream::Sample& sample);

}  // namespace surge::trainer
