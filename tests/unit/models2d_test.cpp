// 2D surrogate models: fno2d and unet2d. Output shapes and parameter counts against a hand
// count, the 2D spectral convolution against a DFT written out with loops, fno2d on two grid
// sizes, errors naming the key, and both models fitting a small operator with Adam.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "models/fno.hpp"
#include "models/model.hpp"
#include "models/unet.hpp"

namespace surge::models {
namespace {

constexpr double kPi = 3.14159265358979323846;
using Sizes = std::vector<std::int64_t>;

class Models2d : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(20261123);
  }
};

std::shared_ptr<Model> build(const std::string& yaml, const ModelShape& shape) {
  return make_model(config::resolve(model_schema(), YAML::Load(yaml),
                                    config::ResolveContext{"test.yaml", {}, {}}),
                    shape);
}

std::string input_error(const std::string& yaml, const ModelShape& shape) {
  try {
    build(yaml, shape);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

void record(const std::string& key, double value) {
  std::ostringstream o;
  o << std::scientific << std::setprecision(3) << value;
  ::testing::Test::RecordProperty(key, o.str());
}

// [batch, 1, n, n] samples of sums of cos/sin(2 pi (kx x + ky y)) with 0 <= kx, |ky| <= kmax,
// random coefficients; x_l = l/n, y_j = j/n.
torch::Tensor band_limited_2d(const torch::Tensor& a, const torch::Tensor& b, int kmax, int n) {
  const auto grid = torch::arange(n, torch::kFloat64) / n;
  const auto y = grid.view({n, 1}), x = grid.view({1, n});
  auto u = torch::zeros({a.size(0), n, n}, torch::kFloat64);
  int m = 0;
  for (int ky = -kmax; ky <= kmax; ++ky)
    for (int kx = 0; kx <= kmax; ++kx, ++m) {
      const auto phase = 2 * kPi * (kx * x + ky * y);  // [n, n]
      u += a.index({torch::indexing::Slice(), m}).to(torch::kFloat64).view({-1, 1, 1}) *
               torch::cos(phase) +
           b.index({torch::indexing::Slice(), m}).to(torch::kFloat64).view({-1, 1, 1}) *
               torch::sin(phase);
    }
  return u.to(torch::kFloat32).unsqueeze(1);
}

int band_terms(int kmax) { return (2 * kmax + 1) * (kmax + 1); }

// ---------------------------------------------------------------- shapes, sizes, errors

TEST_F(Models2d, OutputShapes) {
  const auto x = torch::randn({3, 2, 16, 24});
  const auto fno =
      build("type: fno2d\nparameters: {width: 8, modes: [4, 5]}", ModelShape{2, 3, {16, 24}});
  EXPECT_EQ(fno->forward(x).sizes(), (Sizes{3, 3, 16, 24}));
  // fno2d applies to another grid (with or without the coordinate channels).
  EXPECT_EQ(fno->forward(torch::randn({3, 2, 32, 20})).sizes(), (Sizes{3, 3, 32, 20}));
  const auto unet = build("type: unet2d\nparameters: {levels: 3, width: 8, padding: circular}",
                          ModelShape{2, 3, {16, 24}});
  EXPECT_EQ(unet->forward(x).sizes(), (Sizes{3, 3, 16, 24}));
}

TEST_F(Models2d, ParameterCountsMatchHandCount) {
  // fno2d, 2 in (+2 coordinates), 1 out, width 4, modes [3, 2], 2 layers:
  //   lift Conv2d(4, 4, 1)                                   16 + 4      = 20
  //   per layer: spectral 2 halves x (re, im) x 4*4*3*2 = 384, Conv2d(4, 4, 1) 20: 404, twice
  //   Conv2d(4, 128, 1) 512 + 128 = 640, Conv2d(128, 1, 1) 128 + 1 = 129
  const auto fno = build("type: fno2d\nparameters: {layers: 2, width: 4, modes: [3, 2]}",
                         ModelShape{2, 1, {16, 16}});
  EXPECT_EQ(fno->parameter_count(), 20 + 2 * 404 + 640 + 129);
  const auto plain =
      build("type: fno2d\nparameters: {layers: 2, width: 4, modes: [3, 2], coordinates: false}",
            ModelShape{2, 1, {16, 16}});
  EXPECT_EQ(plain->parameter_count(), 20 - 8 + 2 * 404 + 640 + 129);

  // unet2d, 1 in, 1 out, 2 levels, width 4 (group norms of one group, affine: 2 per channel):
  //   down0 DoubleConv(1, 4): 1*4*9+4 = 40, norm 8, 4*4*9+4 = 148, norm 8          = 204
  //   down1 DoubleConv(4, 8): 4*8*9+8 = 296, norm 16, 8*8*9+8 = 584, norm 16       = 912
  //   upsample ConvTranspose2d(8, 4, 2): 8*4*4 + 4                                  = 132
  //   up0 DoubleConv(8, 4): 8*4*9+4 = 292, norm 8, 148, norm 8                      = 456
  //   out Conv2d(4, 1, 1): 4 + 1                                                     = 5
  const auto unet =
      build("type: unet2d\nparameters: {levels: 2, width: 4}", ModelShape{1, 1, {8, 8}});
  EXPECT_EQ(unet->parameter_count(), 204 + 912 + 132 + 456 + 5);
}

TEST_F(Models2d, ErrorsNameTheKey) {
  EXPECT_EQ(input_error("type: fno2d\nparameters: {modes: [9, 4]}", ModelShape{1, 1, {16, 16}}),
            "training.model.parameters.modes: [9, 4] Fourier modes do not fit a grid of 16 x 16 "
            "(ny x nx) points, expected at most [ny/2, nx/2+1] = [8, 9]");
  EXPECT_EQ(input_error("type: fno2d\nparameters: {modes: [4]}", ModelShape{1, 1, {16, 16}}),
            "training.model.parameters.modes: expected a list of two integers [y, x], got 1");
  EXPECT_EQ(input_error("type: fno2d", ModelShape{1, 1, {64}}),
            "training.model.type: fno2d needs samples on a 2D grid, got 1 dimension(s)");
  EXPECT_EQ(input_error("type: unet2d\nparameters: {levels: 4}", ModelShape{1, 1, {20, 32}}),
            "training.model.parameters.levels: 4 levels halve the grid 3 times, so its sides "
            "must be multiples of 8; the training grid is 20 x 32 (ny x nx)");
  // The largest valid modes keep every row and the Nyquist column.
  EXPECT_NO_THROW(build("type: fno2d\nparameters: {modes: [8, 9], width: 2, layers: 1}",
                        ModelShape{1, 1, {16, 16}}));
}

// ---------------------------------------------------------------- spectral convolution

// The 2D spectral convolution written out: forward DFT at the kept modes (ky in [0, my) and
// [ny - my, ny), kx in [0, mx)), mix the channels with W1 (ky >= 0) or W2 (ky < 0), inverse
// real 2D DFT: y = 1/(ny nx) sum c_kx Re(Y e^{+i...}), c = 1 for kx = 0 and kx = nx/2 (no
// mirror), 2 otherwise.
torch::Tensor direct_spectral_conv_2d(const torch::Tensor& x, const SpectralConv2dImpl& conv) {
  const auto xa_t = x.to(torch::kFloat64).contiguous();
  const auto xa = xa_t.accessor<double, 4>();
  const std::int64_t batch = x.size(0), cin = x.size(1), ny = x.size(2), nx = x.size(3);
  const int my = conv.modes_y, mx = conv.modes_x;
  std::vector<torch::Tensor> wr, wi;
  for (int h = 0; h < 2; ++h) {
    wr.push_back(conv.weight_real[h].to(torch::kFloat64).contiguous());
    wi.push_back(conv.weight_imag[h].to(torch::kFloat64).contiguous());
  }
  const std::int64_t cout = wr[0].size(1);
  auto y = torch::zeros({batch, cout, ny, nx}, torch::kFloat64);
  auto ya = y.accessor<double, 4>();
  using C = std::complex<double>;
  std::vector<int> rows;
  for (int r = 0; r < my; ++r) rows.push_back(r);
  for (int r = static_cast<int>(ny) - my; r < ny; ++r) rows.push_back(r);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::size_t ri = 0; ri < rows.size(); ++ri) {
      const int ky = rows[ri], h = ri < static_cast<std::size_t>(my) ? 0 : 1;
      const int wy = h == 0 ? ky : ky - (static_cast<int>(ny) - my);
      const auto wra = wr[h].accessor<double, 4>();
      const auto wia = wi[h].accessor<double, 4>();
      for (int kx = 0; kx < mx; ++kx) {
        std::vector<C> X(cin);
        for (std::int64_t i = 0; i < cin; ++i)
          for (std::int64_t j = 0; j < ny; ++j)
            for (std::int64_t l = 0; l < nx; ++l)
              X[i] += xa[b][i][j][l] *
                      std::polar(1.0, -2 * kPi * (double(ky) * j / ny + double(kx) * l / nx));
        const double c = (kx == 0 || 2 * kx == nx) ? 1.0 : 2.0;
        for (std::int64_t o = 0; o < cout; ++o) {
          C Y = 0;
          for (std::int64_t i = 0; i < cin; ++i) Y += X[i] * C(wra[i][o][wy][kx], wia[i][o][wy][kx]);
          for (std::int64_t j = 0; j < ny; ++j)
            for (std::int64_t l = 0; l < nx; ++l)
              ya[b][o][j][l] +=
                  c *
                  (Y * std::polar(1.0, 2 * kPi * (double(ky) * j / ny + double(kx) * l / nx)))
                      .real() /
                  double(ny * nx);
        }
      }
    }
  return y;
}

TEST_F(Models2d, SpectralConvEqualsDirectDft) {
  // Truncation in both directions; then every row and every column, the Nyquist ones included.
  for (auto [my, mx] : {std::pair{3, 4}, std::pair{4, 5}}) {
    SpectralConv2d conv(2, 3, my, mx);
    {
      torch::NoGradGuard no_grad;
      for (int h = 0; h < 2; ++h) {
        conv->weight_real[h].uniform_(-1, 1);
        conv->weight_imag[h].uniform_(-1, 1);
      }
    }
    const auto x = torch::randn({2, 2, 8, 8});
    const auto y = conv->forward(x);
    const auto ref = direct_spectral_conv_2d(x, *conv);
    const double diff = (y.to(torch::kFloat64) - ref).abs().max().item<double>();
    EXPECT_LT(diff, 1e-5) << "modes " << my << ", " << mx << "; max |y| "
                          << ref.abs().max().item<double>();
    record("max_abs_diff_modes_" + std::to_string(my) + "_" + std::to_string(mx), diff);
  }
}

// ---------------------------------------------------------------- resolution

TEST_F(Models2d, Fno2dIsResolutionConsistentOnBandLimitedInput) {
  const auto fno = build("type: fno2d\nparameters: {layers: 3, width: 8, modes: [6, 6], "
                         "coordinates: false}",
                         ModelShape{1, 1, {64, 64}});
  torch::NoGradGuard no_grad;
  for (auto& p : fno->named_parameters())
    if (p.key().find("weight_") != std::string::npos) p.value().uniform_(-4.0 / 8, 4.0 / 8);
  const int kmax = 3;
  const auto a = torch::randn({2, band_terms(kmax)}), b = torch::randn({2, band_terms(kmax)});
  const auto coarse = fno->forward(band_limited_2d(a, b, kmax, 64));
  const auto fine = fno->forward(band_limited_2d(a, b, kmax, 128));
  using torch::indexing::None;
  using torch::indexing::Slice;
  const auto shared = fine.index({Slice(), Slice(), Slice(0, None, 2), Slice(0, None, 2)});
  const double diff = (coarse - shared).abs().max().item<double>();
  const double scale = coarse.abs().max().item<double>();
  EXPECT_LT(diff, 1e-3 * scale) << "max diff " << diff << ", max |y| " << scale;
  record("relative_diff", diff / scale);
  // The spectral path matters: zeroing it moves the output by a sizeable fraction.
  for (auto& p : fno->named_parameters())
    if (p.key().find("weight_") != std::string::npos) p.value().zero_();
  const double spectral_part =
      (fno->forward(band_limited_2d(a, b, kmax, 64)) - coarse).abs().max().item<double>();
  EXPECT_GT(spectral_part, 0.1 * scale);
  record("spectral_part_relative", spectral_part / scale);
}

// ---------------------------------------------------------------- training

// Trains `model` on 32 samples of u -> u shifted by (2, 3) cells on a periodic 16 x 16 grid
// with Adam; returns {first loss, last loss}.
std::pair<double, double> fit_shift_2d(Model& model, double lr, int steps) {
  const int n = 16, kmax = 2;
  const auto a = torch::randn({32, band_terms(kmax)}), b = torch::randn({32, band_terms(kmax)});
  const auto u = band_limited_2d(a, b, kmax, n);
  const auto target = torch::roll(u, {2, 3}, {-2, -1});
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(lr));
  double first = 0, last = 0;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    const auto loss = torch::mse_loss(model.forward(u), target);
    loss.backward();
    opt.step();
    if (s == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  return {first, last};
}

TEST_F(Models2d, Fno2dFitsAShift) {
  const auto fno = build("type: fno2d\nparameters: {layers: 2, width: 8, modes: [4, 4], "
                         "coordinates: false}",
                         ModelShape{1, 1, {16, 16}});
  const auto [first, last] = fit_shift_2d(*fno, 1e-2, 200);
  EXPECT_LT(last, first / 100) << "loss " << first << " -> " << last;
  record("loss_ratio", first / last);
}

TEST_F(Models2d, Unet2dFitsAShift) {
  const auto unet = build("type: unet2d\nparameters: {levels: 2, width: 8, padding: circular}",
                          ModelShape{1, 1, {16, 16}});
  const auto [first, last] = fit_shift_2d(*unet, 3e-3, 200);
  EXPECT_LT(last, first / 20) << "loss " << first << " -> " << last;
  record("loss_ratio", first / last);
}

}  // namespace
}  // namespace surge::models
