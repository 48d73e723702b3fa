#pragma once
// The surrogate models a trainer rank can train, behind one small interface (TorchFort style):
// a model is a torch::nn::Module with forward() on fields of shape [batch, channels, grid...],
// built from the resolved `training.model` section ({type, parameters}) and the sample shape.
//
// Adding a model is one line in model_registry() (src/models/model.cpp).
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/schema.hpp"

namespace surge::models {

// What a model is built for. The trainer knows it from the samples: `grid` lists the points per
// axis in the order of the tensor's trailing dimensions ({nx} in 1D, {ny, nx} in 2D).
struct ModelShape {
  int in_channels = 1;
  int out_channels = 1;
  std::vector<int> grid;

  // Product of `grid` (points per channel).
  std::int64_t points() const;
};

// Base of every surrogate. Not collective: a model lives on one trainer rank; data-parallel
// gradient averaging happens outside it.
class Model : public torch::nn::Module {
 public:
  // Maps x of shape [batch, shape().in_channels, grid...] to [batch, shape().out_channels,
  // grid...]. Models that are resolution independent (fno1d) also accept other grid sizes.
  virtual torch::Tensor forward(torch::Tensor x) = 0;

  const ModelShape& shape() const { return shape_; }

  // Number of trainable scalars (a complex weight stored as real and imaginary parts counts 2).
  std::int64_t parameter_count() const;

 protected:
  explicit Model(ModelShape shape) : shape_(std::move(shape)) {}

 private:
  ModelShape shape_;
};

// One entry of the model registry.
struct ModelEntry {
  std::string name;
  std::string doc;
  // Schema of the body of `training.model` for this type: a map with the single key `parameters`.
  config::Schema (*schema)();
  // Builds the model from the resolved `training.model` section. Throws InputError when the
  // parameters do not fit `shape` (e.g. more Fourier modes than the grid has).
  std::shared_ptr<Model> (*create)(const YAML::Node& model_section, const ModelShape& shape);
};

// Every model surge knows, in one explicit list.
const std::vector<ModelEntry>& model_registry();

// Schema of the whole `training.model` section ({type, parameters}).
config::Schema model_schema();

// The model named by `type` in the resolved `training.model` section (defaults filled in by
// config::resolve with model_schema()). An unknown type throws InputError listing the available
// ones with the closest. Not collective; seeds from torch::manual_seed for the initial weights.
std::shared_ptr<Model> make_model(const YAML::Node& model_section, const ModelShape& shape);

}  // namespace surge::models
