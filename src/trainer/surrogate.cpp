#include "trainer/surrogate.hpp"

#include <torch/script.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/config.hpp"
#include "core/error.hpp"

namespace surge::trainer {

namespace {

constexpr int kFormat = 1;

YAML::Node list(const std::vector<double>& v) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (double x : v) n.push_back(x);
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

template <class T>
std::vector<T> read_list(const YAML::Node& n, const std::string& what, const std::string& file) {
  if (!n || !n.IsSequence()) throw InputError(file + ": " + what + ": missing or not a list");
  try {
    return n.as<std::vector<T>>();
  } catch (const YAML::Exception&) {
    throw InputError(file + ": " + what + ": not a list of numbers");
  }
}

}  // namespace

std::vector<float> Surrogate::predict(const std::vector<const float*>& frames,
                                      const std::vector<double>& parameters, double time) const {
  torch::NoGradGuard no_grad;
  const std::int64_t n = layout.points;
  std::vector<float> input(static_cast<std::size_t>(layout.in_channels() * n));
  build_input(layout, frames, parameters, time, input.data());
  std::vector<std::int64_t> shape{1, layout.in_channels()};
  for (int g : layout.model_grid) shape.push_back(g);
  torch::Tensor x = torch::from_blob(input.data(), shape, torch::kFloat32);
  torch::Tensor y = normalizer->targets_back(model->forward(normalizer->inputs(x)));
  y = y.contiguous();
  std::vector<float> out(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
  const bool delta =
      layout.options.kind != TaskKind::ParametersToField && layout.options.predict_delta;
  if (delta)
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += frames.back()[i];
  return out;
}

void save_surrogate(const std::string& directory, const Surrogate& s, const YAML::Node& info) {
  namespace fs = std::filesystem;
  c10::Dict<std::string, at::Tensor> weights;
  for (const auto& p : s.model->named_parameters(/*recurse=*/true))
    weights.insert(p.key(), p.value().detach().to(torch::kCPU).clone());  // loads anywhere
  for (const auto& b : s.model->named_buffers(/*recurse=*/true))
    weights.insert(b.key(), b.value().detach().to(torch::kCPU).clone());
  const std::vector<char> bytes = torch::pickle_save(weights);
  const fs::path model_file = fs::path(directory) / "model.pt";
  {
    std::ofstream out(model_file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw RuntimeError("cannot write " + model_file.string());
  }

  YAML::Node y;
  y["format"] = kFormat;
  y["model"] = s.model_section;
  y["task"] = s.task_section;
  y["every"] = s.every;
  YAML::Node grid;
  grid["dim"] = s.layout.grid.dim;
  std::vector<double> cells, lower, upper;
  for (int d = 0; d < s.layout.grid.dim; ++d) {
    cells.push_back(s.layout.grid.cells[d]);
    lower.push_back(s.layout.grid.lower[d]);
    upper.push_back(s.layout.grid.upper[d]);
  }
  grid["cells"] = list(cells);
  grid["lower"] = list(lower);
  grid["upper"] = list(upper);
  y["grid"] = grid;
  y["fields"] = s.layout.fields;
  y["fields"].SetStyle(YAML::EmitterStyle::Flow);
  y["parameters"] = s.layout.parameters;
  y["parameters"].SetStyle(YAML::EmitterStyle::Flow);
  y["inputs"] = s.layout.inputs;
  y["inputs"].SetStyle(YAML::EmitterStyle::Flow);
  y["targets"] = s.layout.targets;
  y["targets"].SetStyle(YAML::EmitterStyle::Flow);
  YAML::Node norm;
  norm["enabled"] = s.normalizer->enabled();
  norm["input_mean"] = list(s.normalizer->in_mean());
  norm["input_std"] = list(s.normalizer->in_std());
  norm["target_mean"] = list(s.normalizer->out_mean());
  norm["target_std"] = list(s.normalizer->out_std());
  y["normalization"] = norm;
  if (info) y["training"] = info;
  const fs::path meta = fs::path(directory) / "surrogate.yaml";
  std::ofstream out(meta);
  out << "# A surge surrogate: weights in model.pt (Python: torch.load('model.pt') gives the "
         "state dict).\n# Inputs and targets are normalised per channel: (x - mean) / std.\n"
      << config::emit(y) << "\n";
  if (!out) throw RuntimeError("cannot write " + meta.string());
}

c10::impl::GenericDict read_pickled_dict(const std::string& file, const std::string& what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file + ": cannot be read");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const std::exception& e) {
    throw InputError(file + ": not " + what + " written by surge (" +
                     std::string(e.what()).substr(0, 200) + ")");
  }
  if (!value.isGenericDict()) throw InputError(file + ": not a dict of tensors");
  return value.toGenericDict();
}

Surrogate load_surrogate(const std::string& directory) {
  namespace fs = std::filesystem;
  const std::string meta = (fs::path(directory) / "surrogate.yaml").string();
  const std::string weights_file = (fs::path(directory) / "model.pt").string();
  if (!fs::is_regular_file(meta))
    throw InputError(meta + ": no such file (not a surrogate directory?)");
  if (!fs::is_regular_file(weights_file)) throw InputError(weights_file + ": no such file");
  YAML::Node y;
  try {
    y = YAML::LoadFile(meta);
  } catch (const YAML::Exception& e) {
    throw InputError(meta + ": " + e.what());
  }
  if (!y["format"] || y["format"].as<int>(-1) != kFormat)
    throw InputError(meta + ": format is not " + std::to_string(kFormat));
  Surrogate s;
  try {
    s.model_section = y["model"];
    s.task_section = y["task"];
    s.every = y["every"].as<double>();
    Grid g;
    g.dim = y["grid"]["dim"].as<int>();
    const auto cells = read_list<int>(y["grid"]["cells"], "grid.cells", meta);
    const auto lower = read_list<double>(y["grid"]["lower"], "grid.lower", meta);
    const auto upper = read_list<double>(y["grid"]["upper"], "grid.upper", meta);
    if (g.dim < 1 || g.dim > 3 || cells.size() != static_cast<std::size_t>(g.dim) ||
        lower.size() != cells.size() || upper.size() != cells.size())
      throw InputError(meta + ": grid: dim, cells, lower and upper disagree");
    for (int d = 0; d < g.dim; ++d) {
      g.cells[d] = cells[d];
      g.lower[d] = lower[d];
      g.upper[d] = upper[d];
    }
    s.layout = task_layout(task_options(s.task_section), y["fields"].as<std::vector<std::string>>(),
                           y["parameters"].as<std::vector<std::string>>(), g);
  } catch (const YAML::Exception& e) {
    throw InputError(meta + ": " + e.what());
  }
  models::ModelShape shape;
  shape.in_channels = s.layout.in_channels();
  shape.out_channels = s.layout.out_channels();
  shape.grid = s.layout.model_grid;
  s.model = models::make_model(s.model_section, shape);

  const YAML::Node norm = y["normalization"];
  if (!norm) throw InputError(meta + ": normalization: missing");
  s.normalizer = std::make_shared<Normalizer>(shape.in_channels, shape.out_channels,
                                              s.layout.points, norm["enabled"].as<bool>(true));
  auto in_mean = read_list<double>(norm["input_mean"], "normalization.input_mean", meta);
  auto in_std = read_list<double>(norm["input_std"], "normalization.input_std", meta);
  auto out_mean = read_list<double>(norm["target_mean"], "normalization.target_mean", meta);
  auto out_std = read_list<double>(norm["target_std"], "normalization.target_std", meta);
  if (in_mean.size() != static_cast<std::size_t>(shape.in_channels) ||
      in_std.size() != in_mean.size() ||
      out_mean.size() != static_cast<std::size_t>(shape.out_channels) ||
      out_std.size() != out_mean.size())
    throw InputError(meta + ": normalization: one value per channel expected");
  s.normalizer->set(in_mean, in_std, out_mean, out_std);

  const auto dict = read_pickled_dict(weights_file, "a weights file");
  torch::NoGradGuard no_grad;
  auto assign = [&](const std::string& name, torch::Tensor& target) {
    auto it = dict.find(name);
    if (it == dict.end()) throw InputError(weights_file + ": tensor '" + name + "' missing");
    const at::Tensor t = it->value().toTensor();
    if (t.sizes() != target.sizes())
      throw InputError(weights_file + ": tensor '" + name + "' has the wrong shape");
    target.copy_(t);
  };
  for (auto& p : s.model->named_parameters(true)) assign(p.key(), p.value());
  for (auto& b : s.model->named_buffers(true)) assign(b.key(), b.value());
  s.model->eval();
  return s;
}

}  // namespace surge::trainer
