#pragma once
// A trained surrogate on disk: a directory with
//   model.pt         the weights: a dict {parameter or buffer name: tensor} written with
//                    torch::pickle_save, so Python reads it with torch.load(path) (a state dict)
//   surrogate.yaml   what is needed to use them: the model section, the task, the channels,
//                    the grid, and the normalisation statistics (mean and std per channel)
// load_surrogate() rebuilds the model and the normaliser from these two files.
#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "trainer/normalizer.hpp"
#include "trainer/task.hpp"

namespace surge::trainer {

struct Surrogate {
  YAML::Node model_section;  // resolved training.model
  YAML::Node task_section;   // resolved training.task
  TaskLayout layout;
  std::shared_ptr<models::Model> model;
  std::shared_ptr<Normalizer> normalizer;
  double every = 0;  // simulated time between frames

  // The fields after `frames` (oldest first; fields x points values each) at `time`, for a
  // simulation with `parameters`: one model step, in physical units. Not collective.
  std::vector<float> predict(const std::vector<const float*>& frames,
                             const std::vector<double>& parameters, double time) const;
};

// Writes model.pt and surrogate.yaml into `directory` (which must exist). `info` is added to
// surrogate.yaml under `training` (steps, validation figures...). Not collective. Throws
// RuntimeError on an I/O failure.
void save_surrogate(const std::string& directory, const Surrogate& s, const YAML::Node& info);

// Reads a directory written by save_surrogate. Throws InputError naming the file and what is
// wrong (missing, unreadable, a tensor missing or of the wrong shape). Not collective.
Surrogate load_surrogate(const std::string& directory);

// The dict pickled in `file` (torch::pickle_save of a dict of tensors; torch.save of one in
// Python). Not collective. Throws InputError naming `file` when it cannot be read or holds
// something else, saying it is not `what` written by surge (e.g. "a weights file").
c10::impl::GenericDict read_pickled_dict(const std::string& file, const std::string& what);

}  // namespace surge::trainer
