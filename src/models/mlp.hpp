#pragma once
// `mlp`: a fully connected network on the flattened field (the Melissa heat-equation baseline).
// Tied to the grid it was built for.
#include <string>
#include <vector>

#include "models/model.hpp"

namespace surge::models {

// Activation functions a model may use between layers.
enum class Activation { Gelu, Relu, Tanh };

// Parses "gelu", "relu" or "tanh" (the schema has already restricted the value).
Activation parse_activation(const std::string& name);

// flatten -> `layers` x (Linear to `width`, activation) -> Linear -> reshape.
class Mlp : public Model {
 public:
  Mlp(ModelShape shape, int layers, int width, Activation activation);
  torch::Tensor forward(torch::Tensor x) override;

 private:
  std::vector<torch::nn::Linear> hidden_;
  torch::nn::Linear output_{nullptr};
  Activation activation_;
};

namespace mlp {
config::Schema schema();
std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape);
}  // namespace mlp

}  // namespace surge::models
