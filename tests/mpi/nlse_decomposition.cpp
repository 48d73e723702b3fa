// The nlse solver gives the same fields on 1, 2 and 4 ranks (to 1e-12): 1D runs on serial FFTW
// with one rank and on FFTW-MPI's distributed 1D transform with two and four; 2D on FFTW-MPI
// slabs. One 4-rank job splits the world into groups of 1, 2 and 4 ranks, runs each problem on
// each, gathers the fields to rank 0 and compares them. The initial conditions come from config
// sections, so the seeded noise of `plane_wave` and the random soliton sets are checked to be
// independent of the decomposition too.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "solvers/nlse/nlse.hpp"
#include "solvers/nlse/nlse_solver.hpp"
#include "support/solver_gather.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {


// Runs the section for `steps` steps of at most `limit` on groups of 1, 2 and 4 ranks; rank 0
// compares the fields and the diagnostics.
void check_decomposition(const std::string& yaml, int steps, double limit, const char* what) {
  const Comm world = test::world();
  ASSERT_EQ(world.size(), 4) << "run with 4 ranks";
  const YAML::Node section = YAML::Load(yaml);
  SimulationSpec spec;
  spec.seed = 20261123;
  std::vector<std::vector<double>> fields;
  std::vector<double> times, masses;
  for (int size : {1, 2, 4}) {
    const Comm group = world.split(world.rank() < size ? 0 : -1, world.rank());
    std::vector<double> field;
    double t = 0.0, mass = 0.0;
    if (!group.null()) {
      nlse::NlseSolver s(group, nlse::options_from_config(section));
      s.initialize(spec);
      for (int k = 0; k < steps; ++k) s.step(limit);
      field = test::gather_global(group, s);
      for (const auto& [name, value] : s.diagnostics())
        if (name == "mass") mass = value;
      if (group.rank() == 0 && size == 4)
        std::printf("%s: 4-rank blocks are %d x %d points\n", what, s.block().extent[0],
                    s.block().extent[1]);
      t = s.time();
    }
    fields.push_back(field);
    times.push_back(t);
    masses.push_back(mass);
  }
  if (world.rank() != 0) return;
  for (std::size_t g = 1; g < fields.size(); ++g) {
    ASSERT_EQ(fields[g].size(), fields[0].size());
    double diff = 0.0, scale = 0.0;
    for (std::size_t k = 0; k < fields[0].size(); ++k) {
      diff = std::max(diff, std::fabs(fields[g][k] - fields[0][k]));
      scale = std::max(scale, std::fabs(fields[0][k]));
    }
    std::printf(
        "%s: %d steps to t = %.6f, max |psi| %.3f, max |field(%d ranks) - field(1 rank)| "
        "= %.3e, mass difference %.1e\n",
        what, steps, times[g], scale, g == 1 ? 2 : 4, diff, masses[g] - masses[0]);
    EXPECT_LE(diff, 1e-12) << what << ", " << (g == 1 ? 2 : 4) << " ranks";
    EXPECT_NEAR(times[g], times[0], 1e-13) << what;
    EXPECT_NEAR(masses[g], masses[0], 1e-12 * std::fabs(masses[0])) << what;
  }
}

const char* kSolitons1d =
    "{type: solitons, parameters: {solitons: [{amplitude: 1.5, position: -4, velocity: 1}, "
    "{amplitude: 1, position: 5, velocity: -0.5, phase: 1}]}}";

TEST(NlseDecomposition, Strang1dSolitons) {
  check_decomposition(std::string("parameters: {cells: [512], lower: [-20], upper: [20], t_end: "
                                  "10, integrator: strang, dt: 0.01, fft_planning: estimate}\n"
                                  "initial_condition: ") +
                          kSolitons1d,
                      200, 10.0, "1D strang, two solitons, 512 points");
}

TEST(NlseDecomposition, DormandPrince1dRandomSolitonsTwoThirds) {
  check_decomposition(
      "parameters: {cells: [510], lower: [-25], upper: [25], t_end: 10, integrator: "
      "dormand_prince, rtol: 1.0e-8, atol: 1.0e-10, dealiasing: two_thirds}\n"
      "initial_condition: {type: random_solitons, parameters: {count: [2, 3], position: [-10, "
      "10]}}",
      60, 10.0, "1D dormand_prince, random solitons, 2/3 rule, 510 points");
}

TEST(NlseDecomposition, SplitStep4PlaneWaveNoise1d) {
  check_decomposition(
      "parameters: {cells: [256], lower: [-25.1327412287], upper: [25.1327412287], t_end: 10, "
      "dt: 0.05, fields: amplitude_phase}\n"
      "initial_condition: {type: plane_wave, parameters: {amplitude: 1, noise: 1.0e-3}}",
      100, 10.0, "1D split_step4, modulation instability from seeded noise");
}

TEST(NlseDecomposition, SplitStep4Gaussian2dExponentialFilter) {
  check_decomposition(
      "parameters: {cells: [64, 48], lower: [-8, -6], upper: [8, 6], t_end: 2, dt: 0.02, "
      "dealiasing: exponential, fft_planning: estimate}\n"
      "initial_condition: {type: gaussian, parameters: {amplitude: 1.2, width: 1.3, center: [0.5, "
      "-0.5], wavenumber: [1, -0.5]}}",
      40, 2.0, "2D split_step4, gaussian, exponential filter, 64 x 48");
}

TEST(NlseDecomposition, DormandPrince2dExpression) {
  check_decomposition(
      "parameters: {cells: [32, 40], lower: [-6, -5], upper: [6, 5], t_end: 1, integrator: "
      "dormand_prince, rtol: 1.0e-7, sigma: -1}\n"
      "initial_condition: {type: expression, parameters: {real: 'exp(-x^2 - 2*y^2) * cos(x)', "
      "imag: 'exp(-x^2 - y^2) * sin(y)'}}",
      30, 1.0, "2D dormand_prince, defocusing, expression, 32 x 40");
}

// A grid with fewer rows than the group has ranks leaves a rank without points: an input error
// naming the key, on every rank together.
TEST(NlseDecomposition, GroupTooLargeForTheGrid) {
  const YAML::Node s = YAML::Load(
      "parameters: {cells: [16, 3], lower: [0, 0], upper: [1, 1], t_end: 1, dt: 0.1, fft_planning: "
      "estimate}\n"
      "initial_condition: {type: gaussian}");
  try {
    nlse::NlseSolver solver(test::world(), nlse::options_from_config(s));
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("solver.parameters.cells: [16, 3] is too small for a "
                                         "group of 4 ranks"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace surge
