#include "models/torchscript.hpp"

#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/error.hpp"

namespace surge::models {
namespace {

const char* const kKey = "training.model.parameters.file";

// LibTorch's own messages end in a C++ backtrace that means nothing to the user.
std::string reason(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

std::string registered_name(const std::string& original) {
  std::string out;
  for (char c : original) out += c == '.' ? std::string("__") : std::string(1, c);
  return out;
}

torch::jit::Module load_script(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw InputError(std::string(kKey) + ": '" + file + "' does not exist or is not a file");
  }
  try {
    return torch::jit::load(file);
  } catch (const std::exception& e) {
    throw InputError(
        std::string(kKey) + ": '" + file +
        "': cannot load it as TorchScript (save the module with torch.jit.save): " + reason(e));
  }
}

std::string shape_text(const std::vector<std::int64_t>& sizes) {
  std::ostringstream o;
  o << "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) o << (i ? ", " : "") << sizes[i];
  o << "]";
  return o.str();
}

}  // namespace

TorchScriptModel::TorchScriptModel(ModelShape shape, const std::string& file)
    : Model(std::move(shape)), module_(load_script(file)) {
  const std::string where = std::string(kKey) + ": '" + file + "'";
  std::set<std::string> taken;
  bool trainable = false;
  for (const auto& p : module_.named_parameters(/*recurse=*/true)) {
    const std::string name = registered_name(p.name);
    // "a.b" and "a__b" would collide; nn::Module would reject the second with a c10::Error.
    if (!taken.insert(name).second) {
      throw InputError(where + ": the names of parameter '" + p.name +
                       "' and another tensor both become '" + name + "' once dots are replaced");
    }
    register_parameter(name, p.value, p.value.requires_grad());
    parameter_names_.emplace_back(p.name, name);
    trainable = trainable || p.value.requires_grad();
  }
  for (const auto& b : module_.named_buffers(/*recurse=*/true)) {
    const std::string name = registered_name(b.name);
    if (!taken.insert(name).second) {
      throw InputError(where + ": the names of buffer '" + b.name +
                       "' and another tensor both become '" + name + "' once dots are replaced");
    }
    register_buffer(name, b.value);
  }
  if (!trainable) {
    throw InputError(where +
                     ": the module has no parameter that requires a gradient, so there "
                     "is nothing to train");
  }

  std::vector<std::int64_t> in = {1, this->shape().in_channels};
  std::vector<std::int64_t> expected = {1, this->shape().out_channels};
  for (int g : this->shape().grid) {
    in.push_back(g);
    expected.push_back(g);
  }
  std::string problem;
  {
    torch::NoGradGuard no_grad;
    module_.eval();
    try {
      const torch::IValue out = module_.forward({torch::zeros(in)});
      if (!out.isTensor()) {
        problem = "forward returned " + out.tagKind() + " instead of a tensor";
      } else if (out.toTensor().sizes() != torch::IntArrayRef(expected)) {
        problem = "forward maps an input of shape " + shape_text(in) + " to " +
                  shape_text(out.toTensor().sizes().vec()) + ", expected " + shape_text(expected) +
                  " ([batch, out_channels, grid...])";
      }
    } catch (const std::exception& e) {
      problem = "forward fails on an input of shape " + shape_text(in) +
                " ([batch, in_channels, grid...]): " + reason(e);
    }
  }
  if (!problem.empty()) throw InputError(where + ": " + problem);
  // The jit module keeps the mode it was saved in; follow this module's (training) instead.
  module_.train(is_training());
}

torch::Tensor TorchScriptModel::forward(torch::Tensor x) {
  return module_.forward({std::move(x)}).toTensor();
}

void TorchScriptModel::train(bool on) {
  torch::nn::Module::train(on);
  module_.train(on);
}

std::vector<std::pair<std::string, torch::Tensor>> TorchScriptModel::original_named_parameters()
    const {
  const auto registered = named_parameters(/*recurse=*/false);
  std::vector<std::pair<std::string, torch::Tensor>> out;
  out.reserve(parameter_names_.size());
  for (const auto& [original, name] : parameter_names_)
    out.emplace_back(original, registered[name]);
  return out;
}

namespace torchscript {

config::Schema schema() {
  using config::Schema;
  return Schema::map("your own architecture, scripted in Python and saved with torch.jit.save")
      .add("parameters",
           Schema::map("where the module is")
               .add("file",
                    Schema::string("path of the TorchScript file (torch.jit.save), relative to the "
                                   "working directory; its forward(x) must map [batch, "
                                   "in_channels, grid...] to [batch, out_channels, grid...]")
                        .required()));
}

std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape) {
  return std::make_shared<TorchScriptModel>(shape,
                                            model_section["parameters"]["file"].as<std::string>());
}

}  // namespace torchscript
}  // namespace surge::models
