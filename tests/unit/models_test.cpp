// Surrogate models: the registry and its errors, output shapes and parameter counts against a
// hand count, the spectral convolution against a DFT written out with loops, fno1d on two grid
// sizes, and both models fitting a small operator with Adam.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <complex>
#include <cstdint>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "models/fno.hpp"
#include "models/mlp.hpp"
#include "models/model.hpp"

namespace surge::models {
namespace {

constexpr double kPi = 3.14159265358979323846;

class Models : public ::testing::Test {
 protected:
  void SetUp() override {
    // One intra-op thread: the tests measure numbers, and ctest runs several tests at once.
    torch::set_num_threads(1);
    torch::manual_seed(20260101);
  }
};

YAML::Node resolved(const std::string& yaml) {
  return config::resolve(model_schema(), YAML::Load(yaml),
                         config::ResolveContext{"test.yaml", {}, {}});
}

std::shared_ptr<Model> build(const std::string& yaml, const ModelShape& shape) {
  return make_model(resolved(yaml), shape);
}

std::string input_error(const std::string& yaml, const ModelShape& shape) {
  try {
    build(yaml, shape);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// make_model on a section that did not go through resolve() (the registry checks `type` itself).
std::string input_error_unresolved(const std::string& yaml, const ModelShape& shape) {
  try {
    make_model(YAML::Load(yaml), shape);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// [batch, 1, n] samples of u(x) = sum_{k=1}^{kmax} a_k cos(2 pi k x) + b_k sin(2 pi k x) on
// x_j = j/n, with the coefficients given as [batch, kmax] tensors.
torch::Tensor band_limited(const torch::Tensor& a, const torch::Tensor& b, int n) {
  const auto k = torch::arange(1, a.size(1) + 1, torch::kFloat64);
  const auto x = torch::arange(n, torch::kFloat64) / n;
  const auto phase = 2 * kPi * k.unsqueeze(1) * x.unsqueeze(0);  // [kmax, n]
  const auto u = torch::matmul(a.to(torch::kFloat64), torch::cos(phase)) +
                 torch::matmul(b.to(torch::kFloat64), torch::sin(phase));
  return u.to(torch::kFloat32).unsqueeze(1);
}

// Figures go to the XML report (--gtest_output=xml) in full precision.
void record(const std::string& key, double value) {
  std::ostringstream o;
  o << std::scientific << std::setprecision(3) << value;
  ::testing::Test::RecordProperty(key, o.str());
}

// ---------------------------------------------------------------- registry and schema

TEST_F(Models, SchemaFillsDocumentedDefaults) {
  const YAML::Node mlp = resolved("type: mlp");
  EXPECT_EQ(mlp["parameters"]["layers"].as<int>(), 3);
  EXPECT_EQ(mlp["parameters"]["width"].as<int>(), 256);
  EXPECT_EQ(mlp["parameters"]["activation"].as<std::string>(), "gelu");
  const YAML::Node fno = resolved("type: fno1d");
  EXPECT_EQ(fno["parameters"]["layers"].as<int>(), 4);
  EXPECT_EQ(fno["parameters"]["width"].as<int>(), 32);
  EXPECT_EQ(fno["parameters"]["modes"].as<int>(), 16);

  // Every key of every model type carries a doc string and a default, or must be given.
  for (const auto& entry : model_registry()) {
    EXPECT_FALSE(entry.doc.empty()) << entry.name;
    const config::Schema body = entry.schema();
    ASSERT_EQ(body.keys().size(), 1u) << entry.name;
    EXPECT_EQ(body.keys()[0].first, "parameters");
    for (const auto& [key, sub] : body.keys()[0].second.keys()) {
      EXPECT_FALSE(sub.doc().empty()) << entry.name << "." << key;
      EXPECT_TRUE(sub.default_yaml().has_value() || sub.is_required()) << entry.name << "." << key;
    }
  }
}

TEST_F(Models, UnknownTypeListsAvailableWithSuggestion) {
  const ModelShape shape{1, 1, {32}};
  EXPECT_EQ(input_error_unresolved("type: fno\nparameters: {}", shape),
            "training.model.type: unknown model 'fno' (did you mean 'fno1d'?); available: mlp "
            "fno1d fno2d unet2d torchscript");
  // The schema rejects it too, before any model is built.
  EXPECT_THROW(resolved("type: fno"), InputError);
}

TEST_F(Models, TooManyModesNamesTheKey) {
  const ModelShape shape{1, 1, {32}};
  EXPECT_EQ(input_error("type: fno1d\nparameters: {modes: 18}", shape),
            "training.model.parameters.modes: 18 Fourier modes do not fit a grid of 32 points, "
            "expected at most nx/2+1 = 17");
  // The largest valid count keeps the Nyquist bin.
  EXPECT_NO_THROW(build("type: fno1d\nparameters: {modes: 17, width: 4, layers: 1}", shape));
  EXPECT_EQ(input_error("type: fno1d", ModelShape{1, 1, {8, 8}}),
            "training.model.type: fno1d needs samples on a 1D grid, got 2 dimensions");
}

// ---------------------------------------------------------------- shapes and sizes

TEST_F(Models, OutputShapes) {
  const auto x = torch::randn({5, 2, 32});
  const auto mlp = build("type: mlp\nparameters: {width: 16}", ModelShape{2, 3, {32}});
  EXPECT_EQ(mlp->forward(x).sizes(), (std::vector<std::int64_t>{5, 3, 32}));
  const auto fno = build("type: fno1d\nparameters: {width: 8, modes: 6}", ModelShape{2, 3, {32}});
  EXPECT_EQ(fno->forward(x).sizes(), (std::vector<std::int64_t>{5, 3, 32}));
  // fno1d applies to another grid size; the mlp is tied to its grid but handles 2D fields.
  EXPECT_EQ(fno->forward(torch::randn({5, 2, 48})).sizes(), (std::vector<std::int64_t>{5, 3, 48}));
  const auto mlp2d =
      build("type: mlp\nparameters: {width: 16, activation: tanh}", ModelShape{2, 1, {8, 6}});
  EXPECT_EQ(mlp2d->forward(torch::randn({4, 2, 8, 6})).sizes(),
            (std::vector<std::int64_t>{4, 1, 8, 6}));
}

TEST_F(Models, ParameterCountsMatchHandCount) {
  // mlp, 2 channels in, 1 out, 16 points, 2 hidden layers of 8: Linear(32, 8) + Linear(8, 8) +
  // Linear(8, 16) = (32*8 + 8) + (8*8 + 8) + (8*16 + 16) = 264 + 72 + 144.
  const auto mlp = build("type: mlp\nparameters: {layers: 2, width: 8, activation: relu}",
                         ModelShape{2, 1, {16}});
  EXPECT_EQ(mlp->parameter_count(), 480);

  // fno1d, 2 in, 1 out, width 4, 3 modes, 2 layers:
  //   lift Conv1d(2, 4, 1)                      2*4 + 4     = 12
  //   per layer: spectral 2 * (4*4*3) + Conv1d(4, 4, 1) 16 + 4 = 116, twice = 232
  //   Conv1d(4, 128, 1) 4*128 + 128 = 640, Conv1d(128, 1, 1) 128 + 1 = 129
  const auto fno =
      build("type: fno1d\nparameters: {layers: 2, width: 4, modes: 3}", ModelShape{2, 1, {32}});
  EXPECT_EQ(fno->parameter_count(), 12 + 232 + 640 + 129);
}

// ---------------------------------------------------------------- spectral convolution

// The spectral convolution written out: forward DFT, keep `modes` bins, mix the channels,
// inverse real DFT (a bin k and its mirror n-k give 2 Re(...), except k = 0 and k = n/2 which
// have no mirror and whose imaginary part the real inverse ignores).
torch::Tensor direct_spectral_conv(const torch::Tensor& x, const torch::Tensor& w_re,
                                   const torch::Tensor& w_im, int modes) {
  const auto xd = x.to(torch::kFloat64).contiguous();
  const auto wr = w_re.to(torch::kFloat64).contiguous();
  const auto wi = w_im.to(torch::kFloat64).contiguous();
  const auto xa = xd.accessor<double, 3>();
  const auto wra = wr.accessor<double, 3>();
  const auto wia = wi.accessor<double, 3>();
  const std::int64_t batch = x.size(0), cin = x.size(1), n = x.size(2), cout = w_re.size(1);
  auto y = torch::zeros({batch, cout, n}, torch::kFloat64);
  auto ya = y.accessor<double, 3>();
  using C = std::complex<double>;
  for (std::int64_t b = 0; b < batch; ++b) {
    std::vector<std::vector<C>> X(cin, std::vector<C>(modes));
    for (std::int64_t i = 0; i < cin; ++i)
      for (int k = 0; k < modes; ++k)
        for (std::int64_t j = 0; j < n; ++j)
          X[i][k] += xa[b][i][j] * std::polar(1.0, -2 * kPi * k * j / n);
    for (std::int64_t o = 0; o < cout; ++o) {
      for (int k = 0; k < modes; ++k) {
        C Y = 0;
        for (std::int64_t i = 0; i < cin; ++i) Y += X[i][k] * C(wra[i][o][k], wia[i][o][k]);
        const double mirror = (k == 0 || 2 * k == n) ? 1.0 : 2.0;
        for (std::int64_t j = 0; j < n; ++j)
          ya[b][o][j] += mirror * (Y * std::polar(1.0, 2 * kPi * k * j / n)).real() / n;
      }
    }
  }
  return y;
}

TEST_F(Models, SpectralConvEqualsDirectDft) {
  const int n = 16;
  // 5 modes: truncation; 9 = n/2 + 1: every bin, the Nyquist bin included.
  for (int modes : {5, 9}) {
    SpectralConv1d conv(3, 2, modes);
    {
      // Signed weights of order one, so a sign or conjugation mistake cannot hide.
      torch::NoGradGuard no_grad;
      conv->weight_real.uniform_(-1, 1);
      conv->weight_imag.uniform_(-1, 1);
    }
    const auto x = torch::randn({2, 3, n});
    const auto y = conv->forward(x);
    const auto ref = direct_spectral_conv(x, conv->weight_real, conv->weight_imag, modes);
    const double diff = (y.to(torch::kFloat64) - ref).abs().max().item<double>();
    EXPECT_LT(diff, 1e-5) << "modes " << modes << ", max |y| " << ref.abs().max().item<double>();
    record("max_abs_diff_modes_" + std::to_string(modes), diff);
  }
}

// ---------------------------------------------------------------- resolution

TEST_F(Models, Fno1dIsResolutionConsistentOnBandLimitedInput) {
  // Spectral layers see the same low modes on both grids and pointwise layers act per point,
  // so only the aliasing of what GELU creates above the kept modes can differ between grids.
  const auto fno =
      build("type: fno1d\nparameters: {layers: 4, width: 16, modes: 8}", ModelShape{1, 1, {64}});
  torch::NoGradGuard no_grad;
  // The initial spectral weights (about 1/width^2) would leave the pointwise path, which is
  // trivially consistent at shared points, to dominate; weights of order 4/width make the
  // spectral path comparable to the skip path (checked below).
  for (auto& p : fno->named_parameters()) {
    if (p.key().find("weight_") != std::string::npos) p.value().uniform_(-4.0 / 16, 4.0 / 16);
  }
  const auto a = torch::randn({4, 4}), b = torch::randn({4, 4});
  const auto coarse = fno->forward(band_limited(a, b, 64));
  const auto fine = fno->forward(band_limited(a, b, 128));
  const auto shared = fine.index({torch::indexing::Slice(), torch::indexing::Slice(),
                                  torch::indexing::Slice(0, torch::indexing::None, 2)});
  const double diff = (coarse - shared).abs().max().item<double>();
  const double scale = coarse.abs().max().item<double>();
  EXPECT_LT(diff, 1e-4 * scale) << "max diff " << diff << ", max |y| " << scale;
  record("relative_diff", diff / scale);

  // The check has teeth only if the spectral path matters: without it the output moves by a
  // sizeable fraction of its size.
  for (auto& p : fno->named_parameters()) {
    if (p.key().find("weight_") != std::string::npos) p.value().zero_();
  }
  const double spectral_part =
      (fno->forward(band_limited(a, b, 64)) - coarse).abs().max().item<double>();
  EXPECT_GT(spectral_part, 0.1 * scale);
  record("spectral_part_relative", spectral_part / scale);
}

// ---------------------------------------------------------------- training

// Trains `model` on 64 samples of u -> u(x - 1/8) (a shift by 4 of 32 points) with Adam and
// returns {first loss, last loss}.
std::pair<double, double> fit_shift(Model& model, double lr, int steps) {
  const int n = 32;
  const auto a = torch::randn({64, 4}), b = torch::randn({64, 4});
  const auto u = band_limited(a, b, n);
  const auto target = torch::roll(u, /*shifts=*/4, /*dims=*/-1);
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

TEST_F(Models, MlpFitsAShift) {
  const auto mlp = build("type: mlp\nparameters: {layers: 2, width: 128}", ModelShape{1, 1, {32}});
  const auto [first, last] = fit_shift(*mlp, 1e-3, 300);
  EXPECT_LT(last, first / 100) << "loss " << first << " -> " << last;
  record("loss_ratio", first / last);
}

TEST_F(Models, Fno1dFitsAShift) {
  const auto fno =
      build("type: fno1d\nparameters: {layers: 2, width: 16, modes: 8}", ModelShape{1, 1, {32}});
  const auto [first, last] = fit_shift(*fno, 1e-2, 300);
  EXPECT_LT(last, first / 100) << "loss " << first << " -> " << last;
  record("loss_ratio", first / last);
}

}  // namespace
}  // namespace surge::models
