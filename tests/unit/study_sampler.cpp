// Study: distributions, samplers, determinism and input errors.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "study/study.hpp"

namespace surge {
namespace {

// A fully resolved `study` section (what the schema hands to Study).
YAML::Node study_section(int simulations, const std::string& sampler, int seed,
                         const std::string& parameters) {
  return YAML::Load("simulations: " + std::to_string(simulations) + "\nseed: " +
                    std::to_string(seed) + "\nsampler: " + sampler + "\nparameters: " + parameters);
}

const char* kThree =
    "{a: {distribution: uniform, low: -1.0, high: 3.0},"
    " k: {distribution: log_uniform, low: 0.001, high: 10.0},"
    " c: {distribution: choice, values: [1, 2, 3, 4]}}";

std::string error_of(const YAML::Node& section) {
  try {
    Study study(section);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

void expect_contains(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& part : parts) EXPECT_NE(text.find(part), std::string::npos) << text;
}

TEST(StudySampler, UniformAndLogUniformStayInTheirRanges) {
  for (const char* sampler : {"random", "latin_hypercube", "sobol", "halton"}) {
    Study study(study_section(2000, sampler, 7, kThree));
    int below_geometric_mean = 0;
    double k_min = 1e300, k_max = 0;
    for (int i = 0; i < study.simulations(); ++i) {
      const SimulationSpec s = study.spec(i);
      ASSERT_EQ(s.parameter_values.size(), 3u);
      EXPECT_GE(s.parameter_values[0], -1.0);
      EXPECT_LT(s.parameter_values[0], 3.0);
      const double k = s.parameter_values[1];
      EXPECT_GE(k, 0.001);
      EXPECT_LE(k, 10.0);
      k_min = std::min(k_min, k);
      k_max = std::max(k_max, k);
      below_geometric_mean += k < 0.1;  // sqrt(0.001 * 10)
    }
    // Log-uniform: half the draws below the geometric mean, and both decades' ends reached.
    EXPECT_NEAR(below_geometric_mean / 2000.0, 0.5, 0.04) << sampler;
    EXPECT_LT(k_min, 0.0012) << sampler;
    EXPECT_GT(k_max, 8.0) << sampler;
  }
}

TEST(StudySampler, SpecIsDeterministicAndIndependentOfOrder) {
  for (const char* sampler : {"random", "latin_hypercube", "sobol", "halton"}) {
    Study first(study_section(50, sampler, 11, kThree));
    Study second(study_section(50, sampler, 11, kThree));
    std::vector<SimulationSpec> forward, backward(50);
    for (int i = 0; i < 50; ++i) forward.push_back(first.spec(i));
    for (int i = 49; i >= 0; --i) backward[i] = second.spec(i);
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(forward[i].id, i);
      EXPECT_EQ(forward[i].parameter_values, backward[i].parameter_values) << sampler << " " << i;
      EXPECT_EQ(forward[i].seed, backward[i].seed);
      EXPECT_EQ(forward[i].parameter_names, (std::vector<std::string>{"a", "k", "c"}));
      EXPECT_EQ(forward[i].parameter_values, first.spec(i).parameter_values);  // asked again
    }
  }
}

TEST(StudySampler, SpecDoesNotDependOnEnsembleSizeExceptForLatinHypercube) {
  for (const char* sampler : {"random", "sobol", "halton"}) {
    Study small(study_section(10, sampler, 3, kThree));
    Study large(study_section(1000, sampler, 3, kThree));
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(small.spec(i).parameter_values, large.spec(i).parameter_values) << sampler;
      EXPECT_EQ(small.spec(i).seed, large.spec(i).seed);
    }
  }
}

TEST(StudySampler, SeedChangesValuesAndSimulationSeeds) {
  Study one(study_section(20, "random", 1, kThree));
  Study two(study_section(20, "random", 2, kThree));
  std::set<std::uint64_t> seeds;
  int same_values = 0;
  for (int i = 0; i < 20; ++i) {
    same_values += one.spec(i).parameter_values[0] == two.spec(i).parameter_values[0];
    EXPECT_NE(one.spec(i).seed, two.spec(i).seed);
    seeds.insert(one.spec(i).seed);
    seeds.insert(two.spec(i).seed);
  }
  EXPECT_EQ(same_values, 0);
  EXPECT_EQ(seeds.size(), 40u);
  // Latin hypercube and the simulation seeds of the quasi-random samplers follow the seed too.
  Study lhs1(study_section(20, "latin_hypercube", 1, kThree));
  Study lhs2(study_section(20, "latin_hypercube", 2, kThree));
  EXPECT_NE(lhs1.spec(0).parameter_values, lhs2.spec(0).parameter_values);
  Study sobol1(study_section(20, "sobol", 1, kThree));
  Study sobol2(study_section(20, "sobol", 2, kThree));
  EXPECT_EQ(sobol1.spec(5).parameter_values, sobol2.spec(5).parameter_values);
  EXPECT_NE(sobol1.spec(5).seed, sobol2.spec(5).seed);
}

TEST(StudySampler, SimulationSeedsAreWellMixed) {
  // Neighbouring ids differ in about half of their 64 bits.
  Study study(study_section(1000, "random", 0, "{}"));
  double flipped = 0;
  for (int i = 0; i + 1 < 1000; ++i)
    flipped += __builtin_popcountll(study.spec(i).seed ^ study.spec(i + 1).seed);
  EXPECT_NEAR(flipped / 999.0, 32.0, 1.0);
  EXPECT_TRUE(study.spec(0).parameter_values.empty());
}

TEST(StudySampler, LatinHypercubeHitsEachStratumOncePerParameter) {
  const int n = 37;
  Study study(study_section(n, "latin_hypercube", 5,
                            "{p: {distribution: uniform, low: 2.0, high: 5.0},"
                            " q: {distribution: constant, value: 9.0},"
                            " r: {distribution: uniform, low: 0.0, high: 1.0}}"));
  for (int parameter : {0, 2}) {
    const double low = parameter == 0 ? 2.0 : 0.0, high = parameter == 0 ? 5.0 : 1.0;
    std::vector<int> hits(n, 0);
    for (int i = 0; i < n; ++i) {
      const double u = (study.spec(i).parameter_values[parameter] - low) / (high - low);
      hits[std::min(static_cast<int>(std::floor(u * n)), n - 1)]++;
    }
    EXPECT_EQ(hits, std::vector<int>(n, 1)) << "parameter " << parameter;
  }
  for (int i = 0; i < n; ++i) EXPECT_EQ(study.spec(i).parameter_values[1], 9.0);
}

TEST(StudySampler, SobolFirstPointsAreTheKnownOnes) {
  // The Sobol sequence (Joe-Kuo directions, as in GSL) after the origin.
  const double expected[5][3] = {{0.5, 0.5, 0.5},
                                 {0.75, 0.25, 0.75},
                                 {0.25, 0.75, 0.25},
                                 {0.375, 0.375, 0.625},
                                 {0.875, 0.875, 0.125}};
  Study study(study_section(5, "sobol", 0,
                            "{a: {distribution: uniform, low: 0.0, high: 1.0},"
                            " b: {distribution: uniform, low: 0.0, high: 1.0},"
                            " c: {distribution: uniform, low: 0.0, high: 1.0}}"));
  for (int i = 0; i < 5; ++i)
    for (int d = 0; d < 3; ++d)
      EXPECT_DOUBLE_EQ(study.spec(i).parameter_values[d], expected[i][d]) << i << "," << d;
}

TEST(StudySampler, HaltonFirstPointsAreTheKnownOnes) {
  // Radical inverses of 1, 2, 3, 4 in bases 2, 3, 5; the second parameter maps to [10, 20).
  const double expected[4][3] = {{1.0 / 2, 1.0 / 3, 1.0 / 5},
                                 {1.0 / 4, 2.0 / 3, 2.0 / 5},
                                 {3.0 / 4, 1.0 / 9, 3.0 / 5},
                                 {1.0 / 8, 4.0 / 9, 4.0 / 5}};
  Study study(study_section(4, "halton", 0,
                            "{a: {distribution: uniform, low: 0.0, high: 1.0},"
                            " fixed: {distribution: constant, value: -3.0},"
                            " b: {distribution: uniform, low: 10.0, high: 20.0},"
                            " c: {distribution: uniform, low: 0.0, high: 1.0}}"));
  for (int i = 0; i < 4; ++i) {
    const auto v = study.spec(i).parameter_values;
    EXPECT_NEAR(v[0], expected[i][0], 1e-15);
    EXPECT_EQ(v[1], -3.0);  // constant parameters take no dimension
    EXPECT_NEAR(v[2], 10.0 + 10.0 * expected[i][1], 1e-13);
    EXPECT_NEAR(v[3], expected[i][2], 1e-15);
  }
}

TEST(StudySampler, ChoiceValuesAreEquallyLikely) {
  for (const char* sampler : {"random", "latin_hypercube", "sobol", "halton"}) {
    Study study(study_section(4000, sampler, 13, kThree));
    std::vector<int> count(5, 0);
    for (int i = 0; i < 4000; ++i) {
      const double c = study.spec(i).parameter_values[2];
      ASSERT_TRUE(c == 1 || c == 2 || c == 3 || c == 4) << c;
      count[static_cast<int>(c)]++;
    }
    for (int c = 1; c <= 4; ++c) EXPECT_NEAR(count[c] / 4000.0, 0.25, 0.025) << sampler;
  }
}

TEST(StudySampler, ConstantParametersDoNotShiftTheOthers) {
  Study without(study_section(30, "random", 4,
                              "{a: {distribution: uniform, low: 0.0, high: 1.0},"
                              " b: {distribution: uniform, low: 0.0, high: 1.0}}"));
  Study with(study_section(30, "random", 4,
                           "{a: {distribution: uniform, low: 0.0, high: 1.0},"
                           " z0: {distribution: constant, value: 1.5},"
                           " b: {distribution: uniform, low: 0.0, high: 1.0}}"));
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(without.spec(i).parameter_values[0], with.spec(i).parameter_values[0]);
    EXPECT_EQ(without.spec(i).parameter_values[1], with.spec(i).parameter_values[2]);
  }
}

TEST(StudySampler, InconsistentParametersNameTheKeyAndTheValues) {
  expect_contains(
      error_of(study_section(4, "random", 0, "{nu: {distribution: uniform, low: 2.0, high: 1.0}}")),
      {"study.parameters.nu.low", "2.0", "1.0", "low < high"});
  expect_contains(
      error_of(study_section(4, "random", 0, "{nu: {distribution: uniform, low: 1.0, high: 1.0}}")),
      {"study.parameters.nu.low", "low < high"});
  expect_contains(error_of(study_section(4, "random", 0,
                                         "{k: {distribution: log_uniform, low: 0.0, high: 1.0}}")),
                  {"study.parameters.k.low", "0.0", "0 < low < high"});
  expect_contains(error_of(study_section(4, "random", 0,
                                         "{k: {distribution: log_uniform, low: -1.0, high: 1.0}}")),
                  {"study.parameters.k.low", "-1.0"});
  expect_contains(
      error_of(study_section(4, "random", 0, "{c: {distribution: choice, values: []}}")),
      {"study.parameters.c.values", "empty"});
  expect_contains(
      error_of(study_section(4, "random", 0,
                             "{c: {distribution: uniform, low: 0.0, high: 1.0, values: [1]}}")),
      {"study.parameters.c.values", "uniform", "low, high"});
  expect_contains(error_of(study_section(4, "random", 0, "{c: {distribution: constant}}")),
                  {"study.parameters.c.value", "missing"});
  expect_contains(
      error_of(study_section(4, "random", 0, "{x: {distribution: constant, value: 1.0}}")),
      {"study.parameters.x", "reserved"});
  expect_contains(
      error_of(study_section(4, "random", 0, "{c: {distribution: gaussian, low: 0.0, high: 1.0}}")),
      {"study.parameters.c.distribution", "gaussian", "log_uniform"});
  expect_contains(error_of(YAML::Load("simulations: 0")), {"study.simulations", "0"});
  expect_contains(error_of(YAML::Load("simulations: 3\nseed: -4")), {"study.seed", "-4"});
}

TEST(StudySampler, TooManyQuasiRandomDimensionsIsAnInputError) {
  std::string parameters = "{";
  for (int p = 0; p < 41; ++p)
    parameters +=
        (p ? ", p" : "p") + std::to_string(p) + ": {distribution: uniform, low: 0.0, high: 1.0}";
  parameters += ", fixed: {distribution: constant, value: 1.0}}";
  expect_contains(error_of(study_section(8, "sobol", 0, parameters)),
                  {"study.sampler", "sobol", "at most 40", "41", "p40"});
  // Halton goes much further; 41 dimensions are fine.
  Study halton(study_section(8, "halton", 0, parameters));
  EXPECT_EQ(halton.spec(7).parameter_values.size(), 42u);
}

TEST(StudySampler, SpecOutsideTheStudyThrows) {
  Study study(study_section(3, "random", 0, "{}"));
  EXPECT_THROW(study.spec(3), std::out_of_range);
  EXPECT_THROW(study.spec(-1), std::out_of_range);
}

}  // namespace
}  // namespace surge
