// The `torchscript` model type: TorchScript files written from C++ (torch::jit::Module::define,
// so no Python is needed) are loaded through the registry; the forward matches a hand formula,
// the wrapper exposes the jit module's own tensors (an optimizer step changes the jit module's
// output, and 50 Adam steps fit a small problem), train()/eval() reach the scripted code, and
// missing files, non-TorchScript files and wrong shapes give InputErrors naming the key.
#include "models/torchscript.hpp"

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "models/model.hpp"

namespace surge::models {
namespace {

namespace fs = std::filesystem;

class TorchScript : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(20260102);
    char pattern[] = "/tmp/surge_torchscript_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// A module with the `training` flag every module scripted in Python carries (torch.nn.Module
// has it); torch::jit::Module::train() sets only flags that exist.
torch::jit::Module module(const std::string& name) {
  torch::jit::Module m(name);
  m.register_attribute("training", c10::BoolType::get(), true);
  return m;
}

// y[b, o, j] = sum_i inner.weight[o, i] * x[b, i, j] + bias[o] + offset, with `inner` a
// submodule (so the names have dots) and `offset` a buffer. Weights are given, so the test can
// compute the output by hand.
void write_net(const std::string& file, const torch::Tensor& weight, const torch::Tensor& bias,
               double offset) {
  torch::jit::Module inner = module("Inner");
  inner.register_parameter("weight", weight.clone().set_requires_grad(true), false);
  inner.define(R"(
def forward(self, x):
    return torch.einsum("oi,bij->boj", self.weight, x)
)");
  torch::jit::Module net = module("Net");
  net.register_module("inner", inner);
  net.register_parameter("bias", bias.clone().set_requires_grad(true), false);
  net.register_buffer("offset", torch::full({1}, offset));
  net.define(R"(
def forward(self, x):
    return self.inner.forward(x) + self.bias.unsqueeze(0).unsqueeze(-1) + self.offset
)");
  net.save(file);
}

YAML::Node section(const std::string& file) {
  return config::resolve(model_schema(),
                         YAML::Load("{type: torchscript, parameters: {file: '" + file + "'}}"),
                         config::ResolveContext{"test.yaml", {}, {}});
}

std::string input_error(const std::string& file, const ModelShape& shape) {
  try {
    make_model(section(file), shape);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST_F(TorchScript, ForwardMatchesTheScriptedFormula) {
  const auto weight = torch::tensor({1.0F, 2.0F, -1.0F, 0.5F, 0.0F, 3.0F}).reshape({3, 2});
  const auto bias = torch::tensor({0.25F, -0.5F, 1.0F});
  write_net(path("net.pt"), weight, bias, 10.0);
  const auto model = make_model(section(path("net.pt")), ModelShape{2, 3, {5}});
  ASSERT_NE(dynamic_cast<TorchScriptModel*>(model.get()), nullptr);

  const auto x = torch::randn({4, 2, 5});
  const auto y = model->forward(x);
  ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{4, 3, 5}));
  const auto xa = x.accessor<float, 3>();
  const auto ya = y.accessor<float, 3>();
  const auto wa = weight.accessor<float, 2>();
  for (int b = 0; b < 4; ++b)
    for (int o = 0; o < 3; ++o)
      for (int j = 0; j < 5; ++j) {
        const double expected =
            wa[o][0] * xa[b][0][j] + wa[o][1] * xa[b][1][j] + bias[o].item<float>() + 10.0;
        EXPECT_NEAR(ya[b][o][j], expected, 1e-5) << b << " " << o << " " << j;
      }

  // The jit module's tensors, under nn::Module-safe names and under their own.
  EXPECT_EQ(model->parameter_count(), 6 + 3);
  const auto named = model->named_parameters();
  EXPECT_TRUE(named.contains("inner__weight"));
  EXPECT_TRUE(named.contains("bias"));
  EXPECT_TRUE(model->named_buffers().contains("offset"));
  // In the jit module's order (depth first: the submodule, registered first, comes first), and
  // the very tensors the jit module holds, not copies.
  auto& ts = static_cast<TorchScriptModel&>(*model);
  const auto original = ts.original_named_parameters();
  ASSERT_EQ(original.size(), 2u);
  EXPECT_EQ(original[0].first, "inner.weight");
  EXPECT_EQ(original[1].first, "bias");
  EXPECT_TRUE(original[0].second.is_same(named["inner__weight"]));
  EXPECT_TRUE(original[1].second.is_same(named["bias"]));
  std::size_t i = 0;
  for (const auto& p : ts.jit_module().named_parameters(/*recurse=*/true)) {
    ASSERT_LT(i, original.size());
    EXPECT_EQ(p.name, original[i].first);
    EXPECT_TRUE(p.value.is_same(original[i].second)) << p.name;
    ++i;
  }
  EXPECT_TRUE(ts.jit_module().attr("offset").toTensor().is_same(model->named_buffers()["offset"]));
}

TEST_F(TorchScript, OptimizerStepsChangeTheJitModule) {
  write_net(path("net.pt"), torch::zeros({1, 1}), torch::zeros({1}), 0.0);
  const auto model = make_model(section(path("net.pt")), ModelShape{1, 1, {16}});
  auto& jit = static_cast<TorchScriptModel&>(*model).jit_module();
  const auto x = torch::randn({8, 1, 16});
  const auto before = jit.forward({x}).toTensor().detach().clone();
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1));
  torch::mse_loss(model->forward(x), 2 * x + 1).backward();
  sgd.step();
  // The step went into the tensors the jit module computes with.
  const auto after = jit.forward({x}).toTensor();
  EXPECT_GT((after - before).abs().max().item<double>(), 1e-3);
  EXPECT_TRUE(torch::allclose(after, model->forward(x)));

  // Fit y = 2x + 1 with Adam from zero weights: the loss must fall at least tenfold in 50 steps.
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.05));
  double first = 0, last = 0;
  for (int s = 0; s < 50; ++s) {
    adam.zero_grad();
    const auto loss = torch::mse_loss(model->forward(x), 2 * x + 1);
    loss.backward();
    adam.step();
    if (s == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  EXPECT_LT(last, first / 10) << "loss " << first << " -> " << last;
  ::testing::Test::RecordProperty("loss_ratio", std::to_string(first / last));

  // Saving the jit module again keeps the trained weights.
  jit.save(path("trained.pt"));
  auto reloaded = torch::jit::load(path("trained.pt"));
  EXPECT_TRUE(torch::allclose(reloaded.forward({x}).toTensor(), model->forward(x)));
}

TEST_F(TorchScript, TrainAndEvalReachTheScriptedCode) {
  // A module that behaves differently in training and in eval mode, as dropout does.
  torch::jit::Module net = module("ModeNet");
  net.register_parameter("w", torch::ones({1}).set_requires_grad(true), false);
  net.define(R"(
def forward(self, x):
    if self.training:
        return x * self.w
    return x * self.w + 1.0
)");
  net.save(path("mode.pt"));
  const auto model = make_model(section(path("mode.pt")), ModelShape{1, 1, {4}});
  const auto x = torch::zeros({1, 1, 4});
  // Built in training mode, like every nn::Module, whatever mode the trial forward used.
  EXPECT_TRUE(model->is_training());
  EXPECT_DOUBLE_EQ(model->forward(x).sum().item<double>(), 0);
  model->eval();
  EXPECT_FALSE(static_cast<TorchScriptModel&>(*model).jit_module().is_training());
  EXPECT_DOUBLE_EQ(model->forward(x).sum().item<double>(), 4);
  model->train();
  EXPECT_DOUBLE_EQ(model->forward(x).sum().item<double>(), 0);
}

TEST_F(TorchScript, BadFilesAndShapesNameTheKey) {
  const std::string key = "training.model.parameters.file: '";
  const ModelShape shape{2, 3, {5}};

  const std::string missing = input_error(path("missing.pt"), shape);
  EXPECT_EQ(missing, key + path("missing.pt") + "' does not exist or is not a file");

  std::ofstream(path("junk.pt")) << "not a zip archive\n";
  const std::string junk = input_error(path("junk.pt"), shape);
  EXPECT_EQ(junk.rfind(key + path("junk.pt") + "': cannot load", 0), 0u) << junk;
  EXPECT_EQ(junk.find("Exception raised from"), std::string::npos) << "backtrace in: " << junk;

  // Weights for 3 output channels, but the samples have 4.
  write_net(path("net.pt"), torch::zeros({3, 2}), torch::zeros({3}), 0.0);
  EXPECT_EQ(input_error(path("net.pt"), ModelShape{2, 4, {5}}),
            key + path("net.pt") +
                "': forward maps an input of shape [1, 2, 5] to [1, 3, 5], expected [1, 4, 5] "
                "([batch, out_channels, grid...])");
  // 3 input channels where the weights take 2: the forward itself fails.
  const std::string fails = input_error(path("net.pt"), ModelShape{3, 3, {5}});
  EXPECT_EQ(
      fails.rfind(key + path("net.pt") + "': forward fails on an input of shape [1, 3, 5]", 0), 0u)
      << fails;

  // A module that returns a tuple.
  torch::jit::Module pair = module("Pair");
  pair.register_parameter("w", torch::ones({1}).set_requires_grad(true), false);
  pair.define(R"(
def forward(self, x):
    return (x * self.w, x)
)");
  pair.save(path("pair.pt"));
  const std::string tuple = input_error(path("pair.pt"), ModelShape{1, 1, {4}});
  EXPECT_NE(tuple.find("instead of a tensor"), std::string::npos) << tuple;

  // Nothing to train: the only parameter was saved without requires_grad.
  torch::jit::Module frozen = module("Frozen");
  frozen.register_parameter("w", torch::ones({1}), false);
  frozen.define(R"(
def forward(self, x):
    return x * self.w
)");
  frozen.save(path("frozen.pt"));
  EXPECT_EQ(input_error(path("frozen.pt"), ModelShape{1, 1, {4}}),
            key + path("frozen.pt") +
                "': the module has no parameter that requires a gradient, so there is nothing to "
                "train");

  // "a.b" and "a__b" would share one nn::Module name.
  torch::jit::Module a = module("A");
  a.register_parameter("b", torch::ones({1}).set_requires_grad(true), false);
  torch::jit::Module clash = module("Clash");
  clash.register_module("a", a);
  clash.register_parameter("a__b", torch::ones({1}).set_requires_grad(true), false);
  clash.define(R"(
def forward(self, x):
    return x * self.a__b
)");
  clash.save(path("clash.pt"));
  const std::string names = input_error(path("clash.pt"), ModelShape{1, 1, {4}});
  EXPECT_NE(names.find("both become 'a__b' once dots are replaced"), std::string::npos) << names;

  // The file key is required.
  EXPECT_THROW(config::resolve(model_schema(), YAML::Load("type: torchscript"),
                               config::ResolveContext{"test.yaml", {}, {}}),
               InputError);
}

}  // namespace
}  // namespace surge::models
