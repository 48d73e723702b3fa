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

// ---------------------------------------------------------------- fno2d

SpectralConv2dImpl::SpectralConv2dImpl(int in_channels, int out_channels, int modes_y,
                                       int modes_x)
    : modes_y(modes_y), modes_x(modes_x) {
  const double scale = 1.0 / (static_cast<double>(in_channels) * out_channels);
  for (int h = 0; h < 2; ++h) {
    const std::string half = h == 0 ? "_positive" : "_negative";
    weight_real[h] = register_parameter(
        "weight_real" + half, scale * torch::rand({in_channels, out_channels, modes_y, modes_x}));
    weight_imag[h] = register_parameter(
        "weight_imag" + half, scale * torch::rand({in_channels, out_channels, modes_y, modes_x}));
  }
}

torch::Tensor SpectralConv2dImpl::forward(const torch::Tensor& x) {
  const std::int64_t ny = x.size(-2), nx = x.size(-1);
  const std::int64_t bins = nx / 2 + 1;
  TORCH_CHECK(2 * modes_y <= ny && modes_x <= bins, "SpectralConv2d: modes (", modes_y, ", ",
              modes_x, ") need a grid of at least ", 2 * modes_y, " x ", 2 * (modes_x - 1),
              ", got ", ny, " x ", nx);
  const torch::Tensor spectrum = torch::fft::rfft2(x, {ny, nx}, {-2, -1});
  const auto mix = [&](const torch::Tensor& rows, int h) {
    const torch::Tensor w = torch::complex(weight_real[h], weight_imag[h]);
    return torch::einsum("biyx,ioyx->boyx", {rows.narrow(-1, 0, modes_x), w});
  };
  const torch::Tensor top = mix(spectrum.narrow(-2, 0, modes_y), 0);
  const torch::Tensor bottom = mix(spectrum.narrow(-2, ny - modes_y, modes_y), 1);
  const std::int64_t batch = x.size(0), out = top.size(1);
  // The full spectrum assembled by concatenation (no in-place writes for autograd): rows
  // [top, zeros, bottom], then columns padded with zeros up to nx/2 + 1.
  std::vector<torch::Tensor> rows{top};
  if (ny > 2 * modes_y)
    rows.push_back(torch::zeros({batch, out, ny - 2 * modes_y, modes_x}, top.options()));
  rows.push_back(bottom);
  torch::Tensor mixed = torch::cat(rows, -2);
  if (modes_x < bins)
    mixed = torch::cat({mixed, torch::zeros({batch, out, ny, bins - modes_x}, top.options())}, -1);
  return torch::fft::irfft2(mixed, {ny, nx}, {-2, -1});
}

namespace {
torch::nn::Conv2d pointwise2d(int in, int out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1));
}
}  // namespace

Fno2d::Fno2d(ModelShape shape, int layers, int width, int modes_y, int modes_x, bool coordinates)
    : Model(std::move(shape)), coordinates_(coordinates) {
  const std::vector<int>& grid = this->shape().grid;
  if (grid.size() != 2) {
    throw InputError("training.model.type: fno2d needs samples on a 2D grid, got " +
                     std::to_string(grid.size()) + " dimension(s)");
  }
  if (2 * modes_y > grid[0] || modes_x > grid[1] / 2 + 1) {
    throw InputError("training.model.parameters.modes: [" + std::to_string(modes_y) + ", " +
                     std::to_string(modes_x) + "] Fourier modes do not fit a grid of " +
                     std::to_string(grid[0]) + " x " + std::to_string(grid[1]) +
                     " (ny x nx) points, expected at most [ny/2, nx/2+1] = [" +
                     std::to_string(grid[0] / 2) + ", " + std::to_string(grid[1] / 2 + 1) + "]");
  }
  const int in = this->shape().in_channels + (coordinates ? 2 : 0);
  lift_ = register_module("lift", pointwise2d(in, width));
  for (int l = 0; l < layers; ++l) {
    spectral_.push_back(register_module("spectral" + std::to_string(l),
                                        SpectralConv2d(width, width, modes_y, modes_x)));
    skip_.push_back(register_module("skip" + std::to_string(l), pointwise2d(width, width)));
  }
  project_hidden_ =
      register_module("project_hidden", pointwise2d(width, Fno1d::kProjectionWidth));
  project_out_ = register_module("project_out",
                                 pointwise2d(Fno1d::kProjectionWidth, this->shape().out_channels));
}

torch::Tensor Fno2d::forward(torch::Tensor x) {
  if (coordinates_) {
    const std::int64_t ny = x.size(-2), nx = x.size(-1);
    const auto opts = x.options();
    // Cell centres in [0, 1), broadcast over the batch.
    const torch::Tensor ys = (torch::arange(ny, opts) + 0.5) / static_cast<double>(ny);
    const torch::Tensor xs = (torch::arange(nx, opts) + 0.5) / static_cast<double>(nx);
    const torch::Tensor gx = xs.view({1, 1, 1, nx}).expand({x.size(0), 1, ny, nx});
    const torch::Tensor gy = ys.view({1, 1, ny, 1}).expand({x.size(0), 1, ny, nx});
    x = torch::cat({x, gx, gy}, 1);
  }
  x = lift_->forward(x);
  for (std::size_t l = 0; l < spectral_.size(); ++l) {
    x = spectral_[l]->forward(x) + skip_[l]->forward(x);
    if (l + 1 < spectral_.size()) x = torch::gelu(x);
  }
  return project_out_->forward(torch::gelu(project_hidden_->forward(x)));
}

namespace fno2d {

config::Schema schema() {
  using config::Schema;
  return Schema::map("2D Fourier neural operator")
      .add("parameters",
           Schema::map("sizes of the operator")
               .add("layers", Schema::integer("number of Fourier layers").min(1).defaults("4"))
               .add("width",
                    Schema::integer("channels inside the Fourier layers").min(1).defaults("32"))
               .add("modes",
                    Schema::list(Schema::integer("modes").min(1),
                                 "Fourier modes kept by every spectral convolution, [y, x]: "
                                 "wavenumbers |ky| < modes[0] and 0 <= kx < modes[1]; at most "
                                 "[ny/2, nx/2+1] of the training grid")
                        .defaults("[12, 12]"))
               .add("coordinates",
                    Schema::boolean("append the cell-centre coordinates (x, y in [0, 1)) to the "
                                    "input channels, as the reference FNO does; needed when the "
                                    "operator depends on position")
                        .defaults("true")));
}

std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape) {
  const YAML::Node p = model_section["parameters"];
  const YAML::Node modes = p["modes"];
  if (modes.size() != 2)
    throw InputError("training.model.parameters.modes: expected a list of two integers [y, x], "
                     "got " +
                     std::to_string(modes.size()));
  return std::make_shared<Fno2d>(shape, p["layers"].as<int>(), p["width"].as<int>(),
                                 modes[0].as<int>(), modes[1].as<int>(),
                                 p["coordinates"].as<bool>());
}

}  // namespace fno2d
}  // namespace surge::models
