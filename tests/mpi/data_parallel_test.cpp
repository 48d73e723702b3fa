// Data-parallel training over the trainer ranks: broadcast_parameters makes differently seeded
// replicas identical (parameters and buffers), average_gradients gives the mean gradient (and
// keeps missing gradients missing), ranks with different models fail together, and K Adam steps
// on P ranks, each on its slice of 2b samples, match one model trained on all 2b samples.
#include "trainer/data_parallel.hpp"

#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "models/model.hpp"
#include "support/test_support.hpp"

namespace surge::trainer {
namespace {

using models::Model;
using models::ModelShape;

constexpr int kNx = 16;
constexpr int kHalfBatch = 4;  // b: the union batch has 2b samples
constexpr int kSteps = 20;     // K
constexpr double kLearningRate = 1e-3;
constexpr double kTolerance = 1e-5;

class DataParallel : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::set_num_threads(1);
    torch::manual_seed(20260101);
  }
};

const char* const kFno = "type: fno1d\nparameters: {width: 8, modes: 4, layers: 2}";
const char* const kMlp = "type: mlp\nparameters: {width: 16, layers: 2, activation: tanh}";

std::shared_ptr<Model> build(const std::string& yaml, std::uint64_t seed) {
  torch::manual_seed(seed);
  const YAML::Node section = config::resolve(models::model_schema(), YAML::Load(yaml),
                                             config::ResolveContext{"test.yaml", {}, {}});
  return models::make_model(section, ModelShape{1, 1, {kNx}});
}

// Every parameter and buffer, flattened into float64 (exact for float32 and small integers).
std::vector<double> flatten(torch::nn::Module& m) {
  std::vector<double> out;
  std::vector<torch::Tensor> tensors = m.parameters(true);
  for (auto& b : m.buffers(true)) tensors.push_back(b);
  for (const auto& t : tensors) {
    const torch::Tensor d = t.detach().to(torch::kDouble).contiguous().reshape({-1});
    out.insert(out.end(), d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
  }
  return out;
}

// Collective: max over the ranks of max |w - w_root| (w_root sent with a plain MPI_Bcast).
double max_difference_from_root(torch::nn::Module& m, const Comm& comm) {
  const std::vector<double> mine = flatten(m);
  std::vector<double> root = mine;
  MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_DOUBLE, 0, comm.get());
  double d = 0;
  for (std::size_t i = 0; i < mine.size(); ++i) d = std::max(d, std::abs(mine[i] - root[i]));
  return comm.allreduce_max(d);
}

double max_difference(torch::nn::Module& a, torch::nn::Module& b) {
  const std::vector<double> x = flatten(a), y = flatten(b);
  EXPECT_EQ(x.size(), y.size());
  double d = 0;
  for (std::size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    d = std::max(d, std::abs(x[i] - y[i]));
  }
  return d;
}

// The model type of a section "type: NAME\n...".
std::string type_of(const std::string& yaml) {
  return yaml.substr(6, yaml.find('\n') - 6);
}

void report(const Comm& comm, const std::string& line) {
  if (comm.rank() == 0) std::cout << "[ data ] " << line << std::endl;
}

TEST_F(DataParallel, BroadcastMakesDifferentlySeededModelsIdentical) {
  const Comm world = test::world();
  for (const char* yaml : {kFno, kMlp}) {
    auto model = build(yaml, 1000 + static_cast<std::uint64_t>(world.rank()));
    const double before = max_difference_from_root(*model, world);
    if (world.size() > 1) {
      EXPECT_GT(before, 0.0) << "the replicas should start different";
    }
    broadcast_parameters(*model, world);
    const double after = max_difference_from_root(*model, world);
    EXPECT_EQ(after, 0.0);
    report(world, type_of(yaml) + ": max |w - w_root| before " + std::to_string(before) +
                      ", after " + std::to_string(after));
  }
}

TEST_F(DataParallel, BroadcastCoversBuffersOfEveryDtype) {
  const Comm world = test::world();
  torch::manual_seed(7 + static_cast<std::uint64_t>(world.rank()));
  torch::nn::Sequential net(torch::nn::Linear(3, 4), torch::nn::BatchNorm1d(4));
  {
    torch::NoGradGuard no_grad;
    for (auto& b : net->buffers()) b.fill_(world.rank() + 2);  // running stats and the counter
  }
  broadcast_parameters(*net, world, world.size() - 1);
  for (auto& b : net->buffers()) {
    EXPECT_TRUE((b == world.size() + 1).all().item<bool>()) << b;
  }
  EXPECT_EQ(max_difference_from_root(*net, world), 0.0);
}

TEST_F(DataParallel, AverageGradientsGivesTheMeanAndKeepsMissingGradientsMissing) {
  const Comm world = test::world();
  struct Three : torch::nn::Module {
    torch::Tensor a = register_parameter("a", torch::zeros({5}));
    torch::Tensor b = register_parameter("b", torch::zeros({2, 3}));
    torch::Tensor c = register_parameter("c", torch::zeros({4}));
    torch::Tensor frozen = register_parameter("frozen", torch::zeros({2}), false);
  } m;
  const int p = world.size();
  m.a.mutable_grad() = torch::full({5}, world.rank() + 1.0);
  if (world.rank() == 0) m.b.mutable_grad() = torch::arange(6, torch::kFloat).reshape({2, 3});
  average_gradients(m, world);
  EXPECT_TRUE(torch::allclose(m.a.grad(), torch::full({5}, (p + 1) / 2.0)));
  ASSERT_TRUE(m.b.grad().defined());
  EXPECT_TRUE(torch::allclose(m.b.grad(), torch::arange(6, torch::kFloat).reshape({2, 3}) / p));
  EXPECT_FALSE(m.c.grad().defined());
  EXPECT_FALSE(m.frozen.grad().defined());
}

TEST_F(DataParallel, RanksWithDifferentModelsFailTogether) {
  const Comm world = test::world();
  if (world.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  torch::nn::Linear net(3, world.rank() == 0 ? 2 : 3);
  EXPECT_THROW(broadcast_parameters(*net, world), RuntimeError);
  for (auto& p : net->parameters()) p.mutable_grad() = torch::ones_like(p);
  EXPECT_THROW(average_gradients(*net, world), RuntimeError);
  // The communicator is still usable afterwards: nobody is stuck in a collective.
  EXPECT_EQ(world.allreduce_sum(1LL), static_cast<long long>(world.size()));
}

// K Adam steps on P ranks (rank r on samples [r*2b/P, (r+1)*2b/P)) against one model trained on
// all 2b samples, from the same broadcast initial weights.
void train_split_against_union(const char* yaml) {
  const Comm world = test::world();
  const int p = world.size();
  const int total = 2 * kHalfBatch;
  if (total % p != 0) GTEST_SKIP() << "2b = " << total << " samples do not split over " << p;
  const int local = total / p;

  // The same 2b samples on every rank.
  torch::manual_seed(424242);
  const torch::Tensor x = torch::randn({total, 1, kNx});
  const torch::Tensor y = 0.5 * torch::roll(x, 1, 2) - 0.25 * x * x + 0.1;
  const torch::Tensor x_local = x.narrow(0, world.rank() * local, local);
  const torch::Tensor y_local = y.narrow(0, world.rank() * local, local);

  auto dp = build(yaml, 1000 + static_cast<std::uint64_t>(world.rank()));
  broadcast_parameters(*dp, world);
  auto ref = build(yaml, 99);  // a fresh model, given the broadcast weights below
  {
    torch::NoGradGuard no_grad;
    auto from = dp->parameters(true), to = ref->parameters(true);
    ASSERT_EQ(from.size(), to.size());
    for (std::size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }
  ASSERT_EQ(max_difference(*dp, *ref), 0.0);

  torch::optim::Adam dp_opt(dp->parameters(), torch::optim::AdamOptions(kLearningRate));
  torch::optim::Adam ref_opt(ref->parameters(), torch::optim::AdamOptions(kLearningRate));
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < kSteps; ++k) {
    dp_opt.zero_grad();
    torch::mse_loss(dp->forward(x_local), y_local).backward();  // mean over the local batch
    average_gradients(*dp, world);
    dp_opt.step();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto initial = build(yaml, 99);
  {
    torch::NoGradGuard no_grad;
    auto from = ref->parameters(true), to = initial->parameters(true);
    for (std::size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }
  for (int k = 0; k < kSteps; ++k) {
    ref_opt.zero_grad();
    torch::mse_loss(ref->forward(x), y).backward();
    ref_opt.step();
  }
  const double moved = max_difference(*ref, *initial);

  const double diff = world.allreduce_max(max_difference(*dp, *ref));
  const double spread = max_difference_from_root(*dp, world);
  EXPECT_LT(diff, kTolerance);
  EXPECT_GT(moved, 10 * kTolerance) << "the weights should have moved well beyond the tolerance";
  std::ostringstream line;
  line << type_of(yaml) << " np" << p << ": " << dp->parameter_count() << " parameters, " << kSteps
       << " Adam steps; max |w_dp - w_ref| " << std::scientific << std::setprecision(3) << diff
       << ", max |w_dp - w_root| " << spread << ", max |w_ref - w_0| " << moved << ", "
       << std::fixed << std::setprecision(4) << seconds << " s for the data-parallel loop";
  report(world, line.str());
}

TEST_F(DataParallel, Fno1dOnSplitBatchesMatchesTheUnionBatch) {
  train_split_against_union(kFno);
}

TEST_F(DataParallel, MlpOnSplitBatchesMatchesTheUnionBatch) {
  train_split_against_union(kMlp);
}

}  // namespace
}  // namespace surge::trainer
