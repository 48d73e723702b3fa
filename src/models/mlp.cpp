#include "models/mlp.hpp"

#include <utility>
#include <vector>

#include "core/error.hpp"

namespace surge::models {

Activation parse_activation(const std::string& name) {
  if (name == "gelu") return Activation::Gelu;
  if (name == "relu") return Activation::Relu;
  if (name == "tanh") return Activation::Tanh;
  throw InputError("training.model.parameters.activation: unknown activation '" + name +
                   "'; available: gelu relu tanh");
}

namespace {
torch::Tensor activate(const torch::Tensor& x, Activation a) {
  switch (a) {
    case Activation::Relu:
      return torch::relu(x);
    case Activation::Tanh:
      return torch::tanh(x);
    case Activation::Gelu:
      break;
  }
  return torch::gelu(x);
}
}  // namespace

Mlp::Mlp(ModelShape shape, int layers, int width, Activation activation)
    : Model(std::move(shape)), activation_(activation) {
  const std::int64_t in = this->shape().in_channels * this->shape().points();
  const std::int64_t out = this->shape().out_channels * this->shape().points();
  for (int l = 0; l < layers; ++l) {
    hidden_.push_back(register_module("hidden" + std::to_string(l),
                                      torch::nn::Linear(l == 0 ? in : width, width)));
  }
  output_ = register_module("output", torch::nn::Linear(width, out));
}

torch::Tensor Mlp::forward(torch::Tensor x) {
  const auto batch = x.size(0);
  x = x.reshape({batch, -1});
  for (auto& layer : hidden_) x = activate(layer->forward(x), activation_);
  x = output_->forward(x);
  std::vector<std::int64_t> out_shape = {batch, shape().out_channels};
  for (int g : shape().grid) out_shape.push_back(g);
  return x.reshape(out_shape);
}

namespace mlp {

config::Schema schema() {
  using config::Schema;
  return Schema::map("fully connected network on the flattened field")
      .add("parameters",
           Schema::map("sizes of the network")
               .add("layers", Schema::integer("number of hidden layers").min(1).defaults("3"))
               .add("width", Schema::integer("units per hidden layer").min(1).defaults("256"))
               .add("activation",
                    Schema::choice({"gelu", "relu", "tanh"}, "activation after every hidden layer")
                        .defaults("gelu")));
}

std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape) {
  const YAML::Node p = model_section["parameters"];
  return std::make_shared<Mlp>(shape, p["layers"].as<int>(), p["width"].as<int>(),
                               parse_activation(p["activation"].as<std::string>()));
}

}  // namespace mlp
}  // namespace surge::models
