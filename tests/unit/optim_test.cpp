// Loss, optimizer and learning-rate schedule of the `training:` section: schema defaults and
// errors, schedule values and losses against formulas written out by hand, and single optimizer
// steps against their closed forms (plain SGD, Adam's L2 against AdamW's decoupled decay,
// gradient clipping).
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "trainer/optimization.hpp"

namespace surge::trainer {
namespace {

constexpr double kPi = 3.14159265358979323846;

class Optim : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }
};

YAML::Node resolved(const config::Schema& schema, const std::string& yaml) {
  return config::resolve(schema, YAML::Load(yaml), config::ResolveContext{"test.yaml", {}, {}});
}

LrSchedule schedule(const std::string& yaml, double lr, long long total_steps = 0) {
  return LrSchedule(resolved(lr_scheduler_schema(), yaml), lr, total_steps);
}

// The message of the InputError `f` throws, or "no error".
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// A float64 parameter with the given values.
torch::Tensor parameter(const std::vector<double>& values) {
  return torch::tensor(values, torch::kFloat64).set_requires_grad(true);
}

// Gives `p` the gradient `c` (of the loss sum(c * p)).
void set_gradient(const torch::Tensor& p, const std::vector<double>& c) {
  (torch::tensor(c, torch::kFloat64) * p).sum().backward();
}

std::vector<double> values(const torch::Tensor& t) {
  const auto d = t.detach().to(torch::kFloat64).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// ---------------------------------------------------------------- schemas

TEST_F(Optim, SchemasFillDocumentedDefaults) {
  const YAML::Node adam = resolved(optimizer_schema(), "type: adam");
  EXPECT_DOUBLE_EQ(adam["parameters"]["lr"].as<double>(), 1e-3);
  EXPECT_DOUBLE_EQ(adam["parameters"]["betas"][0].as<double>(), 0.9);
  EXPECT_DOUBLE_EQ(adam["parameters"]["betas"][1].as<double>(), 0.999);
  EXPECT_DOUBLE_EQ(adam["parameters"]["eps"].as<double>(), 1e-8);
  EXPECT_DOUBLE_EQ(adam["parameters"]["weight_decay"].as<double>(), 0);
  EXPECT_DOUBLE_EQ(adam["parameters"]["max_grad_norm"].as<double>(), 0);
  EXPECT_DOUBLE_EQ(
      resolved(optimizer_schema(), "type: adamw")["parameters"]["weight_decay"].as<double>(), 0.01);
  const YAML::Node sgd = resolved(optimizer_schema(), "type: sgd");
  EXPECT_DOUBLE_EQ(sgd["parameters"]["lr"].as<double>(), 1e-2);
  EXPECT_DOUBLE_EQ(sgd["parameters"]["momentum"].as<double>(), 0);
  EXPECT_FALSE(sgd["parameters"]["nesterov"].as<bool>());

  const YAML::Node step = resolved(lr_scheduler_schema(), "type: step");
  EXPECT_EQ(step["parameters"]["warmup_steps"].as<long long>(), 0);
  EXPECT_EQ(step["parameters"]["step_size"].as<long long>(), 1000);
  EXPECT_DOUBLE_EQ(step["parameters"]["gamma"].as<double>(), 0.5);
  const YAML::Node cosine = resolved(lr_scheduler_schema(), "type: cosine");
  EXPECT_EQ(cosine["parameters"]["steps"].as<long long>(), 0);
  EXPECT_DOUBLE_EQ(cosine["parameters"]["min_lr"].as<double>(), 0);

  // A loss needs nothing but its type.
  EXPECT_EQ(loss_from_config(resolved(loss_schema(), "type: mse")), Loss::Mse);
  EXPECT_EQ(loss_from_config(resolved(loss_schema(), "{type: relative_l2, parameters: {}}")),
            Loss::RelativeL2);

  // Every key of every type carries a doc string and a default.
  for (const config::Schema& s : {loss_schema(), optimizer_schema(), lr_scheduler_schema()}) {
    for (const auto& [type, body] : s.types()) {
      EXPECT_FALSE(body.doc().empty()) << type;
      ASSERT_EQ(body.keys().size(), 1u) << type;
      EXPECT_EQ(body.keys()[0].first, "parameters");
      EXPECT_TRUE(body.keys()[0].second.default_yaml() || !body.keys()[0].second.keys().empty())
          << type;
      for (const auto& [key, sub] : body.keys()[0].second.keys()) {
        EXPECT_FALSE(sub.doc().empty()) << type << "." << key;
        EXPECT_TRUE(sub.default_yaml().has_value()) << type << "." << key;
      }
    }
  }
}

TEST_F(Optim, UnknownTypesAndKeysSuggestTheClosest) {
  const std::string optimizer = input_error([] { resolved(optimizer_schema(), "type: adamm"); });
  EXPECT_NE(optimizer.find("type: unknown type 'adamm'"), std::string::npos) << optimizer;
  EXPECT_NE(optimizer.find("(did you mean 'adam'?)"), std::string::npos) << optimizer;
  const std::string loss = input_error([] { resolved(loss_schema(), "type: relative_l3"); });
  EXPECT_NE(loss.find("(did you mean 'relative_l2'?)"), std::string::npos) << loss;
  const std::string scheduler = input_error([] { resolved(lr_scheduler_schema(), "type: cosin"); });
  EXPECT_NE(scheduler.find("(did you mean 'cosine'?)"), std::string::npos) << scheduler;
  // A key of another type: sgd has no betas.
  const std::string key = input_error(
      [] { resolved(optimizer_schema(), "{type: sgd, parameters: {betas: [0.9, 0.99]}}"); });
  EXPECT_NE(key.find("parameters.betas: unknown key"), std::string::npos) << key;
  // Ranges: gamma in (0, 1], betas in [0, 1), lr > 0.
  EXPECT_THROW(resolved(lr_scheduler_schema(), "{type: step, parameters: {gamma: 0}}"), InputError);
  EXPECT_THROW(resolved(optimizer_schema(), "{type: adam, parameters: {betas: [0.9, 1]}}"),
               InputError);
  EXPECT_THROW(resolved(optimizer_schema(), "{type: adam, parameters: {lr: 0}}"), InputError);
  // Sections that skipped resolve() are caught when read.
  EXPECT_EQ(input_error([] { loss_from_config(YAML::Load("type: l2")); }),
            "training.loss.type: unknown loss 'l2'; available: mse relative_l2");
}

TEST_F(Optim, NesterovNeedsMomentum) {
  auto p = parameter({1.0});
  const YAML::Node constant = resolved(lr_scheduler_schema(), "type: constant");
  const std::string e = input_error([&] {
    Optimizer(resolved(optimizer_schema(), "{type: sgd, parameters: {nesterov: true}}"), constant,
              {p}, 0);
  });
  EXPECT_NE(e.find("training.optimizer.parameters.nesterov:"), std::string::npos) << e;
  EXPECT_NE(e.find("momentum > 0"), std::string::npos) << e;
  EXPECT_NO_THROW(Optimizer(
      resolved(optimizer_schema(), "{type: sgd, parameters: {nesterov: true, momentum: 0.9}}"),
      constant, {p}, 0));
}

TEST_F(Optim, CosineNeedsAHorizon) {
  const std::string e = input_error([] { schedule("type: cosine", 1e-3, 0); });
  EXPECT_NE(e.find("training.lr_scheduler.parameters.steps:"), std::string::npos) << e;
  EXPECT_NE(e.find("training.max_steps"), std::string::npos) << e;
  EXPECT_NO_THROW(schedule("type: cosine", 1e-3, 100));
  EXPECT_NO_THROW(schedule("{type: cosine, parameters: {steps: 100}}", 1e-3, 0));
  // The warmup must end before the horizon, whichever provides it.
  const std::string w =
      input_error([] { schedule("{type: cosine, parameters: {warmup_steps: 100}}", 1e-3, 100); });
  EXPECT_NE(w.find("training.lr_scheduler.parameters.warmup_steps:"), std::string::npos) << w;
  EXPECT_THROW(schedule("{type: cosine, parameters: {warmup_steps: 200, steps: 150}}", 1e-3, 0),
               InputError);
  const std::string m =
      input_error([] { schedule("{type: cosine, parameters: {min_lr: 0.01}}", 1e-3, 100); });
  EXPECT_NE(m.find("training.lr_scheduler.parameters.min_lr:"), std::string::npos) << m;
  // Warmup without a horizon is fine for the other schedules.
  EXPECT_NO_THROW(schedule("{type: constant, parameters: {warmup_steps: 100}}", 1e-3, 0));
}

// ---------------------------------------------------------------- schedules

TEST_F(Optim, WarmupRampsLinearlyToTheBaseRate) {
  const auto s = schedule("{type: constant, parameters: {warmup_steps: 4}}", 0.2);
  EXPECT_DOUBLE_EQ(s.at(0), 0.05);
  EXPECT_DOUBLE_EQ(s.at(1), 0.1);
  EXPECT_DOUBLE_EQ(s.at(2), 0.15);
  EXPECT_DOUBLE_EQ(s.at(3), 0.2);
  EXPECT_DOUBLE_EQ(s.at(4), 0.2);
  EXPECT_DOUBLE_EQ(s.at(1000000), 0.2);
  EXPECT_DOUBLE_EQ(schedule("type: constant", 0.2).at(0), 0.2);
  EXPECT_THROW(s.at(-1), RuntimeError);
}

TEST_F(Optim, StepDecaysByGammaEveryStepSize) {
  // Warmup 2, then 3 steps at each level: lr at 2..4, lr/2 at 5..7, lr/4 at 8..10.
  const auto s =
      schedule("{type: step, parameters: {warmup_steps: 2, step_size: 3, gamma: 0.5}}", 0.8);
  EXPECT_DOUBLE_EQ(s.at(0), 0.4);
  EXPECT_DOUBLE_EQ(s.at(1), 0.8);
  EXPECT_DOUBLE_EQ(s.at(2), 0.8);
  EXPECT_DOUBLE_EQ(s.at(4), 0.8);
  EXPECT_DOUBLE_EQ(s.at(5), 0.4);
  EXPECT_DOUBLE_EQ(s.at(7), 0.4);
  EXPECT_DOUBLE_EQ(s.at(8), 0.2);
  EXPECT_DOUBLE_EQ(s.at(2 + 3 * 10), 0.8 * std::pow(0.5, 10));
}

TEST_F(Optim, CosineGoesFromLrToMinLr) {
  const double lr = 1e-2, min_lr = 1e-4;
  // Warmup 10, horizon 110: T = 100 steps of cosine after the warmup.
  const auto s =
      schedule("{type: cosine, parameters: {warmup_steps: 10, steps: 110, min_lr: 1e-4}}", lr);
  EXPECT_DOUBLE_EQ(s.at(0), lr / 10);
  EXPECT_DOUBLE_EQ(s.at(9), lr);
  EXPECT_DOUBLE_EQ(s.at(10), lr);
  EXPECT_DOUBLE_EQ(s.at(60), (lr + min_lr) / 2);  // midpoint
  EXPECT_DOUBLE_EQ(s.at(35), min_lr + (lr - min_lr) * (1 + std::cos(kPi / 4)) / 2);
  EXPECT_DOUBLE_EQ(s.at(85), min_lr + (lr - min_lr) * (1 + std::cos(3 * kPi / 4)) / 2);
  EXPECT_DOUBLE_EQ(s.at(110), min_lr);  // end point
  EXPECT_DOUBLE_EQ(s.at(5000), min_lr);
  EXPECT_EQ(s.describe(), "cosine over 110 steps down to 0.0001, warmup 10");

  // steps 0: the caller's total number of steps is the horizon.
  const auto t = schedule("type: cosine", lr, 200);
  EXPECT_DOUBLE_EQ(t.at(0), lr);
  EXPECT_DOUBLE_EQ(t.at(100), lr / 2);
  EXPECT_DOUBLE_EQ(t.at(200), 0);
  EXPECT_EQ(t.describe(), "cosine over 200 steps");
}

// ---------------------------------------------------------------- losses

TEST_F(Optim, LossValuesMatchHandComputation) {
  const auto p = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kFloat64).reshape({2, 1, 2});
  // mse: (1 + 4 + 9 + 16) / 4.
  EXPECT_DOUBLE_EQ(loss_value(Loss::Mse, p, torch::zeros_like(p)).item<double>(), 7.5);

  // relative_l2 on [2, 1, 2]: sample 0, target (3, 4) of norm 5, error (1, 0): 1/5; sample 1,
  // target (6, 8) of norm 10, error (0, -5): 1/2. Mean 0.35.
  const auto target = torch::tensor({3.0, 4.0, 6.0, 8.0}, torch::kFloat64).reshape({2, 1, 2});
  const auto prediction = torch::tensor({4.0, 4.0, 6.0, 3.0}, torch::kFloat64).reshape({2, 1, 2});
  EXPECT_DOUBLE_EQ(loss_value(Loss::RelativeL2, prediction, target).item<double>(), 0.35);
  // The same pair under mse: (1 + 25) / 4.
  EXPECT_DOUBLE_EQ(loss_value(Loss::Mse, prediction, target).item<double>(), 6.5);
  // Norms run over every non-batch dimension: the same numbers as [2, 2, 1] give the same loss.
  EXPECT_DOUBLE_EQ(
      loss_value(Loss::RelativeL2, prediction.reshape({2, 2, 1}), target.reshape({2, 2, 1}))
          .item<double>(),
      0.35);

  // An all-zero target is measured against the 1e-12 floor: error norm 5e-12 gives 5.
  const auto zero = torch::zeros({1, 2}, torch::kFloat64);
  const auto tiny = torch::tensor({3e-12, 4e-12}, torch::kFloat64).reshape({1, 2});
  EXPECT_NEAR(loss_value(Loss::RelativeL2, tiny, zero).item<double>(), 5.0, 1e-12);

  // The loss keeps the graph: d/dp of |p - t| / |t| for sample 0 is (p - t) / (|p - t| |t|) / 2.
  auto q = prediction.clone().set_requires_grad(true);
  loss_value(Loss::RelativeL2, q, target).backward();
  const auto g = values(q.grad());
  EXPECT_DOUBLE_EQ(g[0], 1.0 / (1 * 5) / 2);
  EXPECT_DOUBLE_EQ(g[3], -5.0 / (5 * 10) / 2);

  EXPECT_THROW(loss_value(Loss::Mse, p, torch::zeros({2, 2})), RuntimeError);
  EXPECT_THROW(loss_value(Loss::RelativeL2, torch::zeros({0, 2}), torch::zeros({0, 2})),
               RuntimeError);
}

// ---------------------------------------------------------------- optimizer steps

Optimizer make(const std::string& optimizer_yaml, std::vector<torch::Tensor> parameters,
               const std::string& scheduler_yaml = "type: constant", long long total_steps = 0) {
  return Optimizer(resolved(optimizer_schema(), optimizer_yaml),
                   resolved(lr_scheduler_schema(), scheduler_yaml), std::move(parameters),
                   total_steps);
}

TEST_F(Optim, SgdStepIsMinusLrTimesGradient) {
  // Powers of two: every product and sum below is exact, so the comparison can be exact too.
  auto p = parameter({1.0, -2.0, 3.0});
  Optimizer opt = make("{type: sgd, parameters: {lr: 0.25}}", {p});
  EXPECT_DOUBLE_EQ(opt.lr(), 0.25);
  opt.zero_grad();
  set_gradient(p, {0.5, -1.0, 2.0});
  const double norm = opt.step();
  EXPECT_EQ(values(p), (std::vector<double>{1.0 - 0.125, -2.0 + 0.25, 3.0 - 0.5}));
  EXPECT_DOUBLE_EQ(norm, std::sqrt(0.25 + 1.0 + 4.0));
  EXPECT_EQ(opt.steps(), 1);
  EXPECT_DOUBLE_EQ(opt.lr(), 0.25);
  EXPECT_EQ(opt.describe(), "sgd lr 0.25, weight decay 0, clip off; constant");

  // zero_grad() zeroes: a second step moves nothing and reports a zero norm.
  opt.zero_grad();
  EXPECT_DOUBLE_EQ(opt.step(), 0);
  EXPECT_EQ(values(p), (std::vector<double>{0.875, -1.75, 2.5}));
  // No gradient at all: norm 0, nothing moves.
  auto fresh = parameter({1.0});
  Optimizer untouched = make("type: sgd", {fresh});
  EXPECT_DOUBLE_EQ(untouched.step(), 0);
  EXPECT_EQ(values(fresh), std::vector<double>{1.0});
}

TEST_F(Optim, AdamAddsL2ToTheGradientAdamwDecouplesIt) {
  // First Adam step: m = (1 - b1) g, v = (1 - b2) g^2, and after bias correction the update is
  // -lr * g / (|g| + eps) per element.
  const double lr = 0.01, wd = 0.1, eps = 1e-8;
  const std::vector<double> p0 = {2.0, -1.0}, c = {-0.15, 0.3};
  const std::string params = "{lr: 0.01, weight_decay: 0.1}";

  auto a = parameter(p0);
  Optimizer adam = make("{type: adam, parameters: " + params + "}", {a});
  set_gradient(a, c);
  adam.step();
  auto w = parameter(p0);
  Optimizer adamw = make("{type: adamw, parameters: " + params + "}", {w});
  set_gradient(w, c);
  adamw.step();

  for (std::size_t i = 0; i < p0.size(); ++i) {
    // adam: the decay joins the gradient, g = c + wd p (0.05 and 0.2 here: signs change).
    const double g = c[i] + wd * p0[i];
    EXPECT_NEAR(values(a)[i], p0[i] - lr * g / (std::abs(g) + eps), 1e-13) << i;
    // adamw: the parameter shrinks by 1 - lr wd, then moves against c alone.
    EXPECT_NEAR(values(w)[i], p0[i] * (1 - lr * wd) - lr * c[i] / (std::abs(c[i]) + eps), 1e-13)
        << i;
  }
  // The two differ in direction for the first element: adam moves it down, adamw up.
  EXPECT_LT(values(a)[0], p0[0]);
  EXPECT_GT(values(w)[0], p0[0] * (1 - lr * wd));
}

TEST_F(Optim, ClippingScalesTheGradientToMaxNorm) {
  // Gradient (6, 8) of norm 10, clipped to norm 1: the update is that of (0.6, 0.8).
  const std::vector<double> p0 = {1.0, 1.0}, c = {6.0, 8.0};
  auto clipped = parameter(p0);
  Optimizer opt = make("{type: sgd, parameters: {lr: 0.5, max_grad_norm: 1}}", {clipped});
  set_gradient(clipped, c);
  EXPECT_DOUBLE_EQ(opt.step(), 10.0);
  auto scaled = parameter(p0);
  Optimizer reference = make("{type: sgd, parameters: {lr: 0.5}}", {scaled});
  set_gradient(scaled, {0.6, 0.8});
  EXPECT_DOUBLE_EQ(reference.step(), 1.0);
  for (std::size_t i = 0; i < p0.size(); ++i) {
    // torch divides by norm + 1e-6, hence a relative difference of 1e-7 in the update.
    EXPECT_NEAR(values(clipped)[i] - p0[i], values(scaled)[i] - p0[i], 1e-6) << i;
    EXPECT_NEAR(values(clipped)[i] - p0[i], -0.5 * 0.1 * c[i], 1e-6) << i;
  }
  EXPECT_EQ(opt.describe(), "sgd lr 0.5, weight decay 0, clip 1; constant");

  // A gradient already below the limit is left alone; the norm runs over all tensors together.
  auto x = parameter({1.0}), y = parameter({1.0});
  Optimizer both = make("{type: sgd, parameters: {lr: 0.5, max_grad_norm: 1}}", {x, y});
  set_gradient(x, {0.3});
  set_gradient(y, {0.4});
  EXPECT_DOUBLE_EQ(both.step(), 0.5);
  EXPECT_DOUBLE_EQ(values(x)[0], 1.0 - 0.15);
  EXPECT_DOUBLE_EQ(values(y)[0], 1.0 - 0.2);
}

TEST_F(Optim, StepFollowsTheScheduleAndResumes) {
  auto p = parameter({0.0});
  Optimizer opt = make("{type: sgd, parameters: {lr: 0.5}}", {p},
                       "{type: step, parameters: {warmup_steps: 2, step_size: 2, gamma: 0.5}}");
  // The schedule: 0.25, 0.5 (warmup), 0.5, 0.5, 0.25, 0.25, 0.125, ...
  EXPECT_DOUBLE_EQ(opt.lr(), 0.25);
  const std::vector<double> expected = {0.25, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125};
  double position = 0;
  for (double lr : expected) {
    opt.zero_grad();
    set_gradient(p, {1.0});
    opt.step();
    position -= lr;  // a unit gradient moves the parameter by -lr
    EXPECT_DOUBLE_EQ(opt.lr(), lr);
    EXPECT_DOUBLE_EQ(opt.torch_optimizer().param_groups()[0].options().get_lr(), lr);
    EXPECT_DOUBLE_EQ(values(p)[0], position);
  }
  EXPECT_EQ(opt.steps(), 7);
  // Resuming at step 4 continues with the lr of step 4.
  opt.set_steps(4);
  EXPECT_DOUBLE_EQ(opt.lr(), 0.5);  // the lr of step 3, the last one taken
  opt.zero_grad();
  set_gradient(p, {1.0});
  opt.step();
  EXPECT_DOUBLE_EQ(values(p)[0], position - 0.25);
  EXPECT_EQ(opt.steps(), 5);
  EXPECT_THROW(opt.set_steps(-1), RuntimeError);

  Optimizer described =
      make("type: adam", {p}, "{type: cosine, parameters: {warmup_steps: 100}}", 2000);
  EXPECT_EQ(described.describe(),
            "adam lr 0.001, weight decay 0, clip off; cosine over 2000 "
            "steps, warmup 100");
  EXPECT_DOUBLE_EQ(described.lr(), 1e-5);
}

}  // namespace
}  // namespace surge::trainer
