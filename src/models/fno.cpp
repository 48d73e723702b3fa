#include "models/fno.hpp"

#include <string>

#include "core/error.hpp"

namespace surge::models {

SpectralConv1dImpl::SpectralConv1dImpl(int in_channels, int out_channels, int modes)
    : modes(modes) {
  // The FNO paper's initialisation: uniform in [0, 1/(in*out)) for both parts, which keeps the
  // spectral path small next to the 1x1 skip at the start of training.
  const double scale = 1.0 / (static_cast<double>(in_channels) * out_channels);
  weight_real =
      register_parameter("weight_real", scale * torch::rand({in_channels, out_channels, modes}));
  weight_imag =
      register_parameter("weight_imag", scale * torch::rand({in_channels, out_channels, modes}));
}

torch::Tensor SpectralConv1dImpl::forward(const torch::Tensor& x) {
  const std::int64_t n = x.size(-1);
  const std::int64_t bins = n / 2 + 1;
  TORCH_CHECK(modes <= bins, "SpectralConv1d: ", modes, " modes need at least ", 2 * (modes - 1),
              " points, got ", n);
  const torch::Tensor low = torch::fft::rfft(x, n, -1).narrow(-1, 0, modes);
  const torch::Tensor w = torch::complex(weight_real, weight_imag);
  torch::Tensor mixed = torch::einsum("bim,iom->bom", {low, w});
  // Zero the modes above `modes` by padding rather than writing into a preallocated spectrum,
  // so autograd sees no in-place update.
  if (modes < bins) {
    mixed = torch::cat(
        {mixed, torch::zeros({x.size(0), mixed.size(1), bins - modes}, mixed.options())}, -1);
  }
  return torch::fft::irfft(mixed, n, -1);
}

namespace {
void check_modes(int modes, int nx) {
  if (modes > nx / 2 + 1) {
    throw InputError("training.model.parameters.modes: " + std::to_string(modes) +
                     " Fourier modes do not fit a grid of " + std::to_string(nx) +
                     " points, expected at most nx/2+1 = " + std::to_string(nx / 2 + 1));
  }
}

torch::nn::Conv1d pointwise(int in, int out) {
  return torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, 1));
}
}  // namespace

Fno1d::Fno1d(ModelShape shape, int layers, int width, int modes) : Model(std::move(shape)) {
  if (this->shape().grid.size() != 1) {
    throw InputError("training.model.type: fno1d needs samples on a 1D grid, got " +
                     std::to_string(this->shape().grid.size()) + " dimensions");
  }
  check_modes(modes, this->shape().grid[0]);
  lift_ = register_module("lift", pointwise(this->shape().in_channels, width));
  for (int l = 0; l < layers; ++l) {
    spectral_.push_back(
        register_module("spectral" + std::to_string(l), SpectralConv1d(width, width, modes)));
    skip_.push_back(register_module("skip" + std::to_string(l), pointwise(width, width)));
  }
  project_hidden_ = register_module("project_hidden", pointwise(width, kProjectionWidth));
  project_out_ =
      register_module("project_out", pointwise(kProjectionWidth, this->shape().out_channels));
}

torch::Tensor Fno1d::forward(torch::Tensor x) {
  x = lift_->forward(x);
  for (std::size_t l = 0; l < spectral_.size(); ++l) {
    x = spectral_[l]->forward(x) + skip_[l]->forward(x);
    // The last Fourier layer feeds the projection, whose own GELU follows its hidden layer.
    if (l + 1 < spectral_.size()) x = torch::gelu(x);
  }
  return project_out_->forward(torch::gelu(project_hidden_->forward(x)));
}

namespace fno1d {

config::Schema schema() {
  using config::Schema;
  return Schema::map("1D Fourier neural operator")
      .add("parameters",
           Schema::map("sizes of the operator")
               .add("layers", Schema::integer("number of Fourier layers").min(1).defaults("4"))
               .add("width",
                    Schema::integer("channels inside the Fourier layers").min(1).defaults("32"))
               .add("modes", Schema::integer("Fourier modes kept by every spectral convolution; at "
                                             "most nx/2+1 of the training grid")
                                 .min(1)
                                 .defaults("16")));
}

std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape) {
  const YAML::Node p = model_section["parameters"];
  return std::make_shared<Fno1d>(shape, p["layers"].as<int>(), p["width"].as<int>(),
                                 p["modes"].as<int>());
}

}  // namespace fno1d
}  // namespace surge::models
