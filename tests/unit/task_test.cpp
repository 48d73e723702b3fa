// Tasks (pairs from streamed states), the online normaliser, and the surrogate on disk.
#include "trainer/task.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/config.hpp"
#include "core/error.hpp"
#include "models/model.hpp"
#include "support/test_support.hpp"
#include "trainer/normalizer.hpp"
#include "trainer/surrogate.hpp"

using namespace surge;
using namespace surge::trainer;

namespace {

Grid line(int n) {
  Grid g;
  g.dim = 1;
  g.cells = {n, 1, 1};
  return g;
}

TaskOptions options(const std::string& yaml) {
  return task_options(config::resolve(task_schema(), YAML::Load(yaml), {}));
}

// State of simulation `sim` at frame j: u = 100 sim + j + x_i / 1000 (easy to recognise).
stream::Sample state(long long sim, long long j, double every, int n, double param = 0.5) {
  stream::Sample s;
  s.group = 0;
  s.meta.simulation = sim;
  s.meta.step = 10 * j;
  s.meta.time = static_cast<double>(j) * every;
  s.meta.parameters = {param};
  s.meta.fields = {"u"};
  s.meta.grid = line(n);
  for (int i = 0; i < n; ++i) s.values.push_back(100.0 * sim + j + i / 1000.0);
  return s;
}

}  // namespace

TEST(Task, NextStepPairsFramesKApartWithParametersAndDelta) {
  const TaskLayout layout =
      task_layout(options("{type: next_step, parameters: {k: 2}}"), {"u"}, {"nu"}, line(4));
  EXPECT_EQ(layout.in_channels(), 2);  // u, nu
  EXPECT_EQ(layout.out_channels(), 1);
  EXPECT_EQ(layout.targets[0], "du");
  PairBuilder b(layout, 0.1, 0.5);
  EXPECT_TRUE(b.add(state(3, 0, 0.1, 4)).empty());
  EXPECT_TRUE(b.add(state(3, 1, 0.1, 4)).empty());
  const auto pairs = b.add(state(3, 2, 0.1, 4));
  ASSERT_EQ(pairs.size(), 1u);
  const auto& d = pairs[0].data;
  ASSERT_EQ(d.size(), 12u);         // 2 input channels + 1 target channel, 4 points each
  EXPECT_FLOAT_EQ(d[1], 300.001f);  // u at frame 0
  EXPECT_FLOAT_EQ(d[4], 0.5f);      // nu, constant channel
  EXPECT_FLOAT_EQ(d[8], 2.0f);      // u(frame 2) - u(frame 0)
  EXPECT_EQ(pairs[0].simulation, 3);
  EXPECT_EQ(pairs[0].step, 20);
  // A missing frame (dropped on the way) makes no pair; frames of other simulations interleave.
  EXPECT_TRUE(b.add(state(4, 0, 0.1, 4)).empty());
  EXPECT_EQ(b.add(state(3, 4, 0.1, 4)).size(), 1u);  // frame 2 -> 4
  EXPECT_TRUE(b.add(state(3, 5, 0.1, 4)).empty());   // frame 3 never came
  EXPECT_EQ(b.active(), 1u);  // simulation 3 reached t = 0.5 and was forgotten
}

TEST(Task, HistoryStacksPastFramesOldestFirst) {
  const TaskLayout layout =
      task_layout(options("{type: history, parameters: {frames: 3, predict_delta: false}}"), {"u"},
                  {"nu"}, line(2));
  EXPECT_EQ(layout.in_channels(), 4);
  EXPECT_EQ(layout.input_frames(), 3);
  PairBuilder b(layout, 1.0, 10.0);
  for (int j = 0; j < 3; ++j) EXPECT_TRUE(b.add(state(0, j, 1.0, 2)).empty());
  const auto pairs = b.add(state(0, 3, 1.0, 2));
  ASSERT_EQ(pairs.size(), 1u);
  const auto& d = pairs[0].data;
  EXPECT_FLOAT_EQ(d[0], 0.0f);  // frame 0
  EXPECT_FLOAT_EQ(d[2], 1.0f);  // frame 1
  EXPECT_FLOAT_EQ(d[4], 2.0f);  // frame 2
  EXPECT_FLOAT_EQ(d[8], 3.0f);  // target: frame 3 itself
}

TEST(Task, ParametersToFieldGivesTimeAndCoordinates) {
  const TaskLayout layout =
      task_layout(options("{type: parameters_to_field}"), {"u"}, {"nu"}, line(4));
  ASSERT_EQ(layout.inputs, (std::vector<std::string>{"nu", "t", "x"}));
  PairBuilder b(layout, 0.25, 1.0);
  const auto pairs = b.add(state(1, 2, 0.25, 4));
  ASSERT_EQ(pairs.size(), 1u);
  const auto& d = pairs[0].data;
  EXPECT_FLOAT_EQ(d[4], 0.5f);    // t
  EXPECT_FLOAT_EQ(d[8], 0.125f);  // x of cell 0 on [0, 1] with 4 cells
  EXPECT_FLOAT_EQ(d[11], 0.875f);
  EXPECT_FLOAT_EQ(d[12], 102.0f);
}

TEST(Task, OffGridTimesAndMismatchedSamples) {
  const TaskLayout layout = task_layout(options("{type: next_step}"), {"u"}, {"nu"}, line(4));
  PairBuilder b(layout, 0.1, 0.25);
  EXPECT_EQ(b.frame_index(0.3), 3);
  EXPECT_EQ(b.frame_index(0.25), -1);  // a final time between frames is not a frame
  auto s = state(0, 1, 0.1, 4);
  s.meta.fields = {"v"};
  EXPECT_THROW(b.add(s), RuntimeError);
  s = state(0, 1, 0.1, 8);
  EXPECT_THROW(b.add(s), RuntimeError);
  EXPECT_THROW(options("{type: next_stepp}"), InputError);
  EXPECT_THROW(options("{type: next_step, parameters: {k: 0}}"), InputError);
}

TEST(Normalizer, MomentsMatchTwoPassStatisticsOnLargeOffsets) {
  std::mt19937 gen(5);
  std::normal_distribution<float> dist(1.0e4f, 0.5f);
  std::vector<float> x(10000);
  for (auto& v : x) v = dist(gen);
  Moments m;
  for (std::size_t i = 0; i < x.size(); i += 100) m.add(x.data() + i, 100);  // 100 chunks
  double mean = 0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double var = 0;
  for (float v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(x.size());
  EXPECT_NEAR(m.mean, mean, 1e-9 * mean);
  EXPECT_NEAR(m.variance(), var, 1e-9 * var);
  EXPECT_EQ(m.count, 10000);
}

TEST(Normalizer, AppliesPerChannelStatisticsAndInverts) {
  // Pairs of 2 input channels (a ~ 3 + i, b = 7 constant) and 1 target channel (c = 10 a).
  Normalizer n(2, 1, 4, true);
  for (int p = 0; p < 5; ++p) {
    std::vector<float> pair;
    for (int i = 0; i < 4; ++i) pair.push_back(3.0f + static_cast<float>(i + p));
    for (int i = 0; i < 4; ++i) pair.push_back(7.0f);
    for (int i = 0; i < 4; ++i) pair.push_back(10.0f * pair[static_cast<std::size_t>(i)]);
    n.observe(pair.data());
  }
  n.synchronize(test::world().split(test::world().rank(), 0));  // this rank alone
  EXPECT_DOUBLE_EQ(n.in_mean()[0], 6.5);                        // values 3..10
  EXPECT_NEAR(n.in_std()[0], std::sqrt(1.25 + 2.0), 1e-12);     // var of i in 0..3 plus p in 0..4
  EXPECT_DOUBLE_EQ(n.in_std()[1], 1.0);                         // constant channel: left unscaled
  EXPECT_DOUBLE_EQ(n.out_mean()[0], 65.0);
  torch::Tensor y = torch::randn({3, 1, 4});
  EXPECT_TRUE(torch::allclose(n.targets_back(n.targets(y)), y, 1e-5, 1e-5));
  torch::Tensor x = torch::full({1, 2, 4}, 7.0f);
  EXPECT_NEAR(n.inputs(x)[0][1][0].item<float>(), 0.0f, 1e-6);
}

TEST(Surrogate, SavedAndLoadedPredictsTheSame) {
  const std::string dir = test::scratch_dir("surrogate") + "/s";
  std::filesystem::create_directories(dir);
  Surrogate s;
  s.task_section =
      config::resolve(task_schema(), YAML::Load("{type: next_step, parameters: {k: 1}}"), {});
  s.model_section = config::resolve(
      models::model_schema(), YAML::Load("{type: fno1d, parameters: {modes: 4, width: 8}}"), {});
  s.layout = task_layout(task_options(s.task_section), {"u"}, {"nu"}, line(16));
  models::ModelShape shape{s.layout.in_channels(), s.layout.out_channels(), s.layout.model_grid};
  torch::manual_seed(3);
  s.model = models::make_model(s.model_section, shape);
  s.normalizer = std::make_shared<Normalizer>(2, 1, 16, true);
  s.normalizer->set({0.5, 0.01}, {2.0, 0.003}, {0.0}, {0.1});
  s.every = 0.05;
  save_surrogate(dir, s, YAML::Node());
  const Surrogate back = load_surrogate(dir);
  std::vector<float> u(16);
  for (int i = 0; i < 16; ++i) u[static_cast<std::size_t>(i)] = std::sin(0.4f * i);
  const auto a = s.predict({u.data()}, {0.004}, 0.0);
  const auto b = back.predict({u.data()}, {0.004}, 0.0);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;
  EXPECT_EQ(back.layout.inputs, s.layout.inputs);
  EXPECT_DOUBLE_EQ(back.normalizer->in_std()[1], 0.003);
  // A damaged weights file is an input error naming the file, not a crash.
  { std::ofstream(dir + "/model.pt") << "not a zip"; }
  try {
    load_surrogate(dir);
    FAIL() << "a damaged model.pt was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model.pt"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_surrogate(dir + "/nowhere"), InputError);
}
