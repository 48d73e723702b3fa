// The one list of models surge knows. Adding a model is one line here.
#include "models/model.hpp"

#include <sstream>

#include "core/error.hpp"
#include "models/fno.hpp"
#include "models/mlp.hpp"
#include "models/torchscript.hpp"
#include "models/unet.hpp"

namespace surge::models {

std::int64_t ModelShape::points() const {
  std::int64_t n = 1;
  for (int g : grid) n *= g;
  return n;
}

std::int64_t Model::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& p : parameters(/*recurse=*/true)) n += p.numel();
  return n;
}

const std::vector<ModelEntry>& model_registry() {
  static const std::vector<ModelEntry> entries = {
      {"mlp", "fully connected network on the flattened field (tied to the training grid)",
       &mlp::schema, &mlp::create},
      {"fno1d", "1D Fourier neural operator (Li et al. 2021); applies to other grid sizes",
       &fno1d::schema, &fno1d::create},
      {"fno2d", "2D Fourier neural operator (Li et al. 2021); applies to other grid sizes",
       &fno2d::schema, &fno2d::create},
      {"unet2d", "2D U-Net (convolutions at several resolutions; tied to grids that halve)",
       &unet2d::schema, &unet2d::create},
      {"torchscript", "your own architecture: a TorchScript file saved with torch.jit.save",
       &torchscript::schema, &torchscript::create},
  };
  return entries;
}

config::Schema model_schema() {
  std::vector<std::pair<std::string, config::Schema>> types;
  for (const auto& e : model_registry()) types.emplace_back(e.name, e.schema());
  return config::Schema::typed(std::move(types),
                               "the surrogate trained online: its architecture and sizes");
}

std::shared_ptr<Model> make_model(const YAML::Node& model_section, const ModelShape& shape) {
  const YAML::Node type = model_section["type"];
  const std::string name = type ? type.as<std::string>() : std::string();
  std::vector<std::string> names;
  for (const auto& e : model_registry()) {
    if (e.name == name) return e.create(model_section, shape);
    names.push_back(e.name);
  }
  std::ostringstream m;
  m << "training.model.type: unknown model '" << name << "'";
  if (const auto near = config::closest(name, names)) m << " (did you mean '" << *near << "'?)";
  m << "; available:";
  for (const auto& n : names) m << " " << n;
  throw InputError(m.str());
}

}  // namespace surge::models
