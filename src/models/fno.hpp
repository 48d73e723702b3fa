#pragma once
// `fno1d` and `fno2d`: Fourier neural operators in one and two dimensions (Li et al. 2021).
// Every layer acts either per point or on the lowest Fourier modes, so a trained model applies
// to other grid sizes.
#include <vector>

#include "models/model.hpp"

namespace surge::models {

// y = irfft(W . rfft(x)[:modes]) along the last axis: the first `modes` Fourier coefficients
// of each input channel are mixed into each output channel by complex weights
// W[in, out, mode]; higher modes are dropped. Because rfft/irfft use the "backward"
// normalisation (1/n on the inverse only) the result for a band-limited input does not depend
// on the number of points n.
class SpectralConv1dImpl : public torch::nn::Module {
 public:
  SpectralConv1dImpl(int in_channels, int out_channels, int modes);
  // x: [batch, in_channels, n] real with n/2 + 1 >= modes; returns [batch, out_channels, n].
  torch::Tensor forward(const torch::Tensor& x);

  // Real and imaginary parts of W, each [in_channels, out_channels, modes]. Stored as two real
  // parameters because optimisers and serialisation of complex parameters are unreliable in
  // LibTorch 1.13.
  torch::Tensor weight_real, weight_imag;
  int modes;
};
TORCH_MODULE(SpectralConv1d);

// lift (1x1 conv to `width`) -> `layers` x (spectral conv + 1x1 conv, GELU between layers)
// -> 1x1 conv to 128 -> GELU -> 1x1 conv to out_channels.
class Fno1d : public Model {
 public:
  // Throws InputError naming training.model.parameters.modes when modes > nx/2 + 1.
  Fno1d(ModelShape shape, int layers, int width, int modes);
  // x: [batch, in_channels, n] for any n with n/2 + 1 >= modes.
  torch::Tensor forward(torch::Tensor x) override;

  // Width of the hidden layer of the projection (as in the reference FNO code).
  static constexpr int kProjectionWidth = 128;

 private:
  torch::nn::Conv1d lift_{nullptr};
  std::vector<SpectralConv1d> spectral_;
  std::vector<torch::nn::Conv1d> skip_;
  torch::nn::Conv1d project_hidden_{nullptr}, project_out_{nullptr};
};

namespace fno1d {
config::Schema schema();
std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape);
}  // namespace fno1d

// y = irfft2(W . rfft2(x)) over the last two axes [ny, nx], keeping the modes |ky| < modes_y
// (the first modes_y rows of the spectrum and the last modes_y, its negative wavenumbers) and
// kx < modes_x (the real transform's half axis); weights W1 for ky >= 0 and W2 for ky < 0, each
// [in, out, modes_y, modes_x] complex, stored as real and imaginary parts. Normalised like the
// 1D layer: the result for a band-limited input does not depend on the grid size.
class SpectralConv2dImpl : public torch::nn::Module {
 public:
  SpectralConv2dImpl(int in_channels, int out_channels, int modes_y, int modes_x);
  // x: [batch, in_channels, ny, nx] real with 2 modes_y <= ny and modes_x <= nx/2 + 1.
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight_real[2], weight_imag[2];  // [0]: ky >= 0, [1]: ky < 0
  int modes_y, modes_x;
};
TORCH_MODULE(SpectralConv2d);

// As Fno1d in two dimensions; with `coordinates` the normalised cell-centre coordinates
// (x, y in [0, 1)) are appended to the input channels before the lift, as in the reference FNO
// code, so that the operator can depend on position (e.g. a space-dependent forcing).
class Fno2d : public Model {
 public:
  // Throws InputError naming training.model.parameters.modes when the modes do not fit the grid.
  Fno2d(ModelShape shape, int layers, int width, int modes_y, int modes_x, bool coordinates);
  // x: [batch, in_channels, ny, nx] for any ny, nx that hold the modes.
  torch::Tensor forward(torch::Tensor x) override;

 private:
  bool coordinates_;
  torch::nn::Conv2d lift_{nullptr};
  std::vector<SpectralConv2d> spectral_;
  std::vector<torch::nn::Conv2d> skip_;
  torch::nn::Conv2d project_hidden_{nullptr}, project_out_{nullptr};
};

namespace fno2d {
config::Schema schema();
std::shared_ptr<Model> create(const YAML::Node& model_section, const ModelShape& shape);
}  // namespace fno2d

}  // namespace surge::models
