// `surge run` end to end, in process: a small Burgers ensemble streamed to one trainer (NP 3:
// two solver groups) or to two data-parallel trainers (NP 4: two pretend nodes of one trainer
// and one solver each). The held-out error must fall at least 10x below its start and below
// persistence; every state and pair must be accounted for; the surrogate written must load and
// reproduce the rollout it reported.
#include "workflow/run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config.hpp"
#include "support/test_support.hpp"
#include "trainer/normalizer.hpp"
#include "trainer/surrogate.hpp"
#include "workflow/app_config.hpp"

using namespace surge;

namespace {

const char* kConfig = R"(
layout: {ranks_per_simulation: 1, trainer_ranks_per_node: 1}
study:
  simulations: 12
  seed: 5
  parameters:
    nu: {distribution: uniform, low: 0.002, high: 0.005}
  validation: {simulations: 2, seed: 6}
solver:
  type: burgers
  parameters:
    cells: [64]
    boundary: {x_low: periodic, x_high: periodic}
    viscosity: nu
    t_end: 1.0
  initial_condition:
    type: random_fourier
    parameters: {modes: 2, max_wavenumber: 3}
output: {every: 0.05}
progress: {interval: 0}
training:
  model: {type: fno1d, parameters: {modes: 12, width: 16, layers: 2}}
  batch_size: 16
  optimizer: {type: adam, parameters: {lr: 2.0e-3}}
  # Annealed to a small rate: with a constant one the last step can land anywhere in the noise.
  lr_scheduler: {type: cosine, parameters: {min_lr: 1.0e-5}}
  buffer: {policy: reservoir, capacity: 400, watermark: 32, seed: 1}
  max_steps: 500
  steps_after_stream: 500
  validate_every: 100
  rollout_steps: 10
  metrics_every: 25
)";

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string c; std::getline(s, c, ',');) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST(Run, TrainsOnlineAndWritesALoadableSurrogate) {
  const Comm world = test::world();
  const std::string dir = test::scratch_dir("run") + "/out";
  std::vector<std::string> overrides = {"output.directory=" + dir};
  if (world.size() == 4) overrides.push_back("layout.ranks_per_node=2");
  const YAML::Node config = config::load_text(kConfig, "run_test.yaml", overrides, root_schema());
  const RunSummary r = run(world, config, RunOptions{});

  // Every simulation ran and every state arrived: 20 frames after t = 0 make 20 pairs each.
  EXPECT_EQ(r.ok, 14);
  EXPECT_EQ(r.failed, 0);
  EXPECT_EQ(r.snapshots_dropped, 0);
  EXPECT_EQ(r.training.samples_received, 12 * 21);
  EXPECT_EQ(r.training.pairs, 12 * 20);
  EXPECT_EQ(r.training.pairs_discarded, 0);
  EXPECT_EQ(r.training.steps, 500);
  if (world.rank() == 0)
    std::printf("one-step %.3g -> %.3g (persistence %.3g), rollout %.3g (persistence %.3g)\n",
                r.training.first.one_step, r.training.last.one_step,
                r.training.last.one_step_persistence, r.training.last.rollout,
                r.training.last.rollout_persistence);
  // The model learned: 10x below its start and well below persistence.
  const auto& first = r.training.first;
  const auto& last = r.training.last;
  EXPECT_LT(last.one_step * 10, first.one_step) << first.one_step << " -> " << last.one_step;
  EXPECT_LT(last.one_step * 3, last.one_step_persistence);
  EXPECT_LT(last.rollout, last.rollout_persistence);

  if (world.rank() != 0) return;
  namespace fs = std::filesystem;
  for (const char* f : {"model.pt", "surrogate.yaml", "config.yaml", "metrics.csv", "summary.yaml",
                        "validation_example.csv"})
    EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / f)) << f;
  EXPECT_FALSE(fs::exists(dir + ".partial"));
  // metrics.csv: a header, a row before training with the validation at step 0, a final row
  // with the last validation.
  const auto rows = read_csv(dir + "/metrics.csv");
  ASSERT_GE(rows.size(), 3u);
  ASSERT_EQ(rows[0][0], "step");
  const std::size_t col = static_cast<std::size_t>(
      std::find(rows[0].begin(), rows[0].end(), "val_one_step") - rows[0].begin());
  ASSERT_LT(col, rows[0].size());
  EXPECT_EQ(rows[1][0], "0");
  EXPECT_NEAR(std::stod(rows[1][col]), first.one_step, 1e-5 * first.one_step);
  EXPECT_EQ(std::stoll(rows.back()[0]), r.training.steps);
  EXPECT_NEAR(std::stod(rows.back()[col]), last.one_step, 1e-5 * last.one_step);

  // The surrogate reloads and reproduces the rollout of validation_example.csv.
  const trainer::Surrogate s = trainer::load_surrogate(dir);
  std::ifstream in(dir + "/validation_example.csv");
  std::string header, line;
  std::getline(in, header);  // # held-out simulation ID, parameters nu=VALUE
  const double nu = std::stod(header.substr(header.find("nu=") + 3));
  std::getline(in, line);  // # rollout of K model steps ...
  const int steps = std::stoi(line.substr(line.find("steps: ") + 7));
  EXPECT_EQ(steps, 10);
  const auto table = read_csv(dir + "/validation_example.csv");  // x, initial, truth, surrogate
  std::vector<float> u, expected;
  for (std::size_t i = 1; i < table.size(); ++i) {
    u.push_back(std::stof(table[i][1]));
    expected.push_back(std::stof(table[i][3]));
  }
  ASSERT_EQ(u.size(), 64u);
  for (int k = 0; k < steps; ++k) u = s.predict({u.data()}, {nu}, 0.0);
  double worst = 0;
  for (std::size_t i = 0; i < u.size(); ++i)
    worst = std::max(worst, static_cast<double>(std::abs(u[i] - expected[i])));
  // The csv holds 9 digits of the initial state; the rollout amplifies that rounding a little.
  EXPECT_LT(worst, 1e-4);
}

TEST(Run, NormalizerMergesEveryRanksStatistics) {
  // Each rank holds different values; after synchronize every rank has the statistics of all.
  const Comm world = test::world();
  trainer::Normalizer n(1, 1, 2, true);
  const float r = static_cast<float>(world.rank());
  const float pair[4] = {r, r + 1, 2 * r, 2 * r};
  n.observe(pair);
  n.synchronize(world);
  const double P = world.size();
  const double mean = (P - 1) / 2 + 0.5;  // of {r, r + 1} over r
  double var = 0;
  for (int k = 0; k < world.size(); ++k)
    var += (k - mean) * (k - mean) + (k + 1 - mean) * (k + 1 - mean);
  var /= 2 * P;
  EXPECT_NEAR(n.in_mean()[0], mean, 1e-12);
  EXPECT_NEAR(n.in_std()[0], std::sqrt(var), 1e-12);
  EXPECT_NEAR(n.out_mean()[0], P - 1, 1e-12);
  EXPECT_NEAR(n.pairs(), P, 1e-12);
}

TEST(Run, DropOldestLosesSnapshotsButAccountsForEachAndEnds) {
  // A trainer slowed down by a larger model and a one-message window: solvers never wait, drop
  // what the trainer cannot take, and the run still ends with every snapshot accounted for.
  const Comm world = test::world();
  const std::string dir = test::scratch_dir("run_drop") + "/out";
  std::vector<std::string> overrides = {
      "output.directory=" + dir, "stream.backpressure=drop_oldest", "stream.max_in_flight=1",
      "stream.queue=1",          "training.max_steps=40",           "training.validate_every=1000"};
  if (world.size() == 4) overrides.push_back("layout.ranks_per_node=2");
  const YAML::Node config = config::load_text(kConfig, "run_test.yaml", overrides, root_schema());
  const RunSummary r = run(world, config, RunOptions{});
  if (world.rank() == 0)
    std::printf("drop_oldest: %lld sent, %lld dropped, %lld states received, %lld steps\n",
                r.snapshots_sent, r.snapshots_dropped, r.training.samples_received,
                r.training.steps);
  // Groups of one rank: each snapshot is one message.
  EXPECT_EQ(r.snapshots_sent + r.snapshots_dropped, 14 * 21);
  EXPECT_LE(r.training.samples_received, r.snapshots_sent);
  EXPECT_LE(r.training.pairs, r.training.samples_received);
  EXPECT_EQ(r.ok, 14);
  EXPECT_LE(r.training.steps, 40);
  // The trainers' count (from the messages' serials) matches the senders' own.
  if (world.rank() == 0) {
    const auto rows = read_csv(dir + "/metrics.csv");
    const auto col = static_cast<std::size_t>(
        std::find(rows[0].begin(), rows[0].end(), "snapshots_dropped") - rows[0].begin());
    ASSERT_LT(col, rows[0].size());
    EXPECT_EQ(std::stoll(rows.back()[col]), r.snapshots_dropped);
  }
}

TEST(Run, ParametersToFieldTrainsAnMlp) {
  // (nu, a, t, x) -> u for u0 = a sin(2 pi x): the mlp must learn the whole family.
  const Comm world = test::world();
  const std::string dir = test::scratch_dir("run_p2f") + "/out";
  std::vector<std::string> overrides = {
      "output.directory=" + dir, "training.task={type: parameters_to_field}",
      "training.model={type: mlp, parameters: {layers: 2, width: 64}}", "training.max_steps=300",
      "training.steps_after_stream=300",
      // The field must be a function of the parameters and t: an initial condition set by one.
      "study.parameters.a={distribution: uniform, low: 0.5, high: 1.0}",
      "solver.initial_condition={type: expression, parameters: {value: a * sin(2 * pi * x)}}"};
  if (world.size() == 4) overrides.push_back("layout.ranks_per_node=2");
  const YAML::Node config = config::load_text(kConfig, "run_test.yaml", overrides, root_schema());
  const RunSummary r = run(world, config, RunOptions{});
  if (world.rank() == 0)
    std::printf("parameters_to_field: one-step %.3g -> %.3g\n", r.training.first.one_step,
                r.training.last.one_step);
  EXPECT_EQ(r.training.pairs, 12 * 21);  // every state is a pair
  EXPECT_LT(r.training.last.one_step, 0.5 * r.training.first.one_step);
  EXPECT_TRUE(std::isnan(r.training.last.rollout));  // no rollout for this task
}
