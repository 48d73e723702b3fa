#pragma once
// `torchscript`: the user's own architecture, written in Python, compiled with torch.jit.script
// (or torch.jit.trace) and saved with torch.jit.save. surge loads the file and trains the
// module's own tensors, so a model can be designed and tried without touching surge's C++.
#include <torch/script.h>

#include <string>
#include <utility>
#include <vector>

#include "models/model.hpp"

namespace surge::models {

// A TorchScript module behind the Model interface. Its parameters and buffers are the jit
// module's own tensors (the same storage, not copies), registered with this torch::nn::Module
// under their names with '.' replaced by "__" (nn::Module forbids dots): optimizers,
// broadcast_parameters(), average_gradients() and torch::save see them, and an optimizer step
// changes what the jit module computes.
class TorchScriptModel : public Model {
 public:
  // Loads `file` (saved with torch.jit.save) and checks it with a trial forward on zeros of shape
  // [1, in_channels, grid...], run without gradients and in eval mode (so that, e.g., batch-norm
  // running statistics are left untouched). Throws InputError naming
  // training.model.parameters.file, with the path and the reason, when the file is missing or
  // is not TorchScript, when the trial forward fails or returns anything but a tensor of shape
  // [1, out_channels, grid...], or when the module has no parameter that requires a gradient.
  // Parameters keep the requires_grad flag they were saved with. Not collective.
  TorchScriptModel(ModelShape shape, const std::string& file);

  // The jit module's forward(x). Not collective.
  torch::Tensor forward(torch::Tensor x) override;

  // Sets training or eval mode on this module and on the jit module (whose scripted submodules,
  // e.g. dropout or batch norm, read their own `training` flags). eval() comes here too. Not
  // collective.
  void train(bool on = true) override;

  // The parameters under the names the jit module gives them ("layers.0.weight"), in its order.
  // Not collective.
  std::vector<std::pair<std::string, torch::Tensor>> original_named_parameters() const;

  // The jit module itself, e.g. to save the trained model as TorchScript again with
  // jit_module().save(path). Not collective.
  torch::jit::Module& jit_module() { return module_; }

 private:
  torch::jit::Module module_;
  // {original name, name registered with this nn::Module} of every parameter.
  std::vector<std::pair<std::string, std::string>> parameter_names_;
};

namespace torchscript {
config::Schema schema();
std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape);
}  // namespace torchscript

}  // namespace surge::models
