// The `navier_stokes2d` section of a config: the example config, forcing and initial conditions
// built from the section (Kolmogorov flow against its exact laminar solution, the random field's
// statistics, seeds and resolution independence), study parameters in nu, errors the solver
// reports before any simulation starts, and failures during one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "solvers/navier_stokes/navier_stokes.hpp"
#include "support/test_support.hpp"
#include "verification/ns_support.hpp"

namespace surge {
namespace {

using navier_stokes::NavierStokes2dOptions;
using navier_stokes::NavierStokes2dSolver;
using ns_test::kPi;

YAML::Node section(const std::string& parameters, const std::string& initial_condition) {
  return YAML::Load("type: navier_stokes2d\nparameters: {" + parameters +
                    ", fftw_planner: estimate}\ninitial_condition: " + initial_condition + "\n");
}

// Resolves a section against the registry's schema (defaults filled in).
YAML::Node resolved(const YAML::Node& solver, const std::vector<std::string>& names = {}) {
  config::ResolveContext ctx;
  ctx.file = "test";
  ctx.parameter_names = names;
  return config::resolve(solver_schema(), solver, ctx);
}

std::string input_error(const YAML::Node& solver, const SimulationSpec& spec = {}) {
  try {
    check_solver_inputs(resolved(solver, spec.parameter_names), spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no InputError";
}

TEST(NsConfig, ExampleConfigResolvesAndRuns) {
  const char* file = "configs/ns2d_fno.yaml";
  const YAML::Node config = YAML::LoadFile(test::source_path(file));
  SimulationSpec spec;
  spec.parameter_names = {"nu"};
  spec.parameter_values = {1e-3};
  spec.seed = 5;
  const YAML::Node solver = resolved(config["solver"], spec.parameter_names);
  check_solver_inputs(solver, spec);
  const std::unique_ptr<Solver> s = make_solver(test::world(), solver);
  EXPECT_EQ(s->grid().cells[0], 64);
  EXPECT_EQ(s->grid().cells[1], 64);
  EXPECT_EQ(s->field_names(), std::vector<std::string>{"vorticity"});
  s->initialize(spec);
  for (int k = 0; k < 5; ++k) s->step(s->t_end());
  EXPECT_GT(s->time(), 0.0);
  EXPECT_DOUBLE_EQ(dynamic_cast<NavierStokes2dSolver&>(*s).viscosity(), 1e-3);
}

// From rest under f = A sin(n y) with drag mu, the flow stays parallel (no advection) and
// w = A / r (1 - exp(-r t)) sin(n y), r = nu n^2 + mu, exactly.
TEST(NsConfig, KolmogorovForcingFromRestMatchesTheLaminarSolution) {
  const double amp = 1.5, nu = 0.05, mu = 0.2, t = 2.0;
  const int n = 3;
  const YAML::Node s = resolved(
      section("cells: [32, 32], lower: [0, 0], upper: [6.283185307179586, 6.283185307179586], "
              "t_end: 2, dt: 0.01, nu: 0.05, drag: 0.2, "
              "forcing: {type: kolmogorov, parameters: {amplitude: 1.5, wavenumber: 3}}",
              "{type: expression, parameters: {vorticity: '0'}}"));
  NavierStokes2dSolver solver(test::world(), navier_stokes::options_from_config(s));
  solver.initialize(SimulationSpec{});
  ns_test::advance_to(solver, t);
  std::vector<double> w;
  solver.snapshot(w);
  const Block b = solver.block();
  const double r = nu * n * n + mu;
  double err = 0.0;
  for (int j = 0; j < b.extent[1]; ++j)
    for (int i = 0; i < b.extent[0]; ++i) {
      const double y = solver.grid().center(1, b.offset[1] + j);
      const double exact = amp / r * (1 - std::exp(-r * t)) * std::sin(n * y);
      err = std::max(err, std::fabs(w[std::size_t(j) * b.extent[0] + i] - exact));
    }
  err = test::world().allreduce_max(err);
  if (test::world().rank() == 0) std::printf("Kolmogorov from rest: max error %.2e\n", err);
  EXPECT_LE(err, 1e-9);
}

// The pointwise variance of the random vorticity is sum over the kept modes k != 0 of
// 2 sigma^2 (|k|^2 + tau^2)^(-alpha) (the FNO generator's sqrt(2) sigma normalisation); its
// estimate from the enstrophy (2 Z / area = mean of w^2) over 200 draws must match to 10%.
TEST(NsConfig, RandomFieldHasTheFnoCovariance) {
  const double alpha = 2.5, tau = 7.0, sigma = std::pow(tau, alpha - 1);
  const YAML::Node s = resolved(section("cells: [32, 32], t_end: 1",
                                        "{type: gaussian_random_field, parameters: {alpha: 2.5, "
                                        "tau: 7}}"));
  NavierStokes2dSolver solver(test::world(), navier_stokes::options_from_config(s));
  double expected = 0.0;
  for (int p = -10; p <= 10; ++p)
    for (int q = -10; q <= 10; ++q)  // the modes 3 |m| < 32 of the 2/3 rule
      if (p || q)
        expected +=
            2 * sigma * sigma * std::pow(4 * kPi * kPi * (p * p + q * q) + tau * tau, -alpha);
  double mean = 0.0;
  const int draws = 200;
  for (int k = 0; k < draws; ++k) {
    SimulationSpec spec;
    spec.seed = 1000 + k;
    solver.initialize(spec);
    mean += 2 * ns_test::diagnostic(solver, "enstrophy") / draws;
  }
  if (test::world().rank() == 0)
    std::printf("variance of w: %.5f over %d draws, expected %.5f\n", mean, draws, expected);
  EXPECT_NEAR(mean / expected, 1.0, 0.1);
}

// Each mode draws from its own stream: a 64^2 run down-sampled to 32^2 starts from the same
// field as a 32^2 run (same modes without dealiasing: |m| < 16 in both), and another seed gives
// another field.
TEST(NsConfig, RandomFieldDependsOnTheSeedOnly) {
  const std::string ic = "{type: gaussian_random_field}";
  auto field = [&](const std::string& grid, std::uint64_t seed) {
    const YAML::Node s = resolved(section(grid + ", t_end: 1, dealias: none", ic));
    NavierStokes2dSolver solver(test::world(), navier_stokes::options_from_config(s));
    SimulationSpec spec;
    spec.seed = seed;
    solver.initialize(spec);
    return ns_test::gather_global(test::world(), solver);
  };
  const std::vector<double> coarse = field("cells: [32, 32]", 9);
  const std::vector<double> fine = field("cells: [64, 64], snapshot_cells: [32, 32]", 9);
  const std::vector<double> other = field("cells: [32, 32]", 10);
  if (test::world().rank() != 0) return;
  double same = 0.0, differ = 0.0, peak = 0.0;
  for (std::size_t k = 0; k < coarse.size(); ++k) {
    same = std::max(same, std::fabs(coarse[k] - fine[k]));
    differ = std::max(differ, std::fabs(coarse[k] - other[k]));
    peak = std::max(peak, std::fabs(coarse[k]));
  }
  std::printf("max |w|: %.3f; 32^2 vs 64^2 down-sampled: %.2e; seed 9 vs 10: %.3f\n", peak, same,
              differ);
  EXPECT_LE(same, 1e-13);
  EXPECT_GE(differ, 0.2 * peak);
}

TEST(NsConfig, ViscosityIsAnExpressionOfStudyParameters) {
  const YAML::Node s = resolved(section("cells: [16, 16], t_end: 1, nu: 2 * a, drag: a / 10",
                                        "{type: taylor_green, parameters: {amplitude: a}}"),
                                {"a"});
  NavierStokes2dSolver solver(test::world(), navier_stokes::options_from_config(s));
  SimulationSpec spec;
  spec.parameter_names = {"a"};
  spec.parameter_values = {0.01};
  solver.initialize(spec);
  EXPECT_DOUBLE_EQ(solver.viscosity(), 0.02);
  EXPECT_DOUBLE_EQ(solver.drag(), 0.001);
  // Taylor-Green with A = 0.01 on the unit box (k = 2 pi): |u|^2 averages A^2 / (2 k^2), so the
  // energy is A^2 / (4 k^2).
  EXPECT_NEAR(ns_test::diagnostic(solver, "energy"), 1e-4 / (16 * kPi * kPi), 1e-18);
}

TEST(NsConfig, ValuesOfTheFirstSimulationAreCheckedBeforeAnyRun) {
  EXPECT_NE(input_error(section("cells: [16, 16], t_end: 1",
                                "{type: gaussian_random_field, parameters: {tau: -1}}"))
                .find("solver.initial_condition.parameters.tau: '-1' evaluates to -1"),
            std::string::npos);
  EXPECT_NE(input_error(section("cells: [16, 16], t_end: 1",
                                "{type: gaussian_random_field, parameters: {alpha: 1}}"))
                .find("solver.initial_condition.parameters.alpha: '1' evaluates to 1 for "
                      "simulation 0; expected > 1"),
            std::string::npos);
  EXPECT_NE(input_error(section("cells: [16, 16], t_end: 1, drag: -0.5", "{type: taylor_green}"))
                .find("solver.parameters.drag: '-0.5' evaluates to -0.5"),
            std::string::npos);
  EXPECT_NE(input_error(section("cells: [16, 16], t_end: 1",
                                "{type: expression, parameters: {vorticity: sin(z)}}"))
                .find("initial_condition.parameters.vorticity: invalid expression 'sin(z)'"),
            std::string::npos);
  EXPECT_NE(input_error(section("cells: [16, 16], t_end: 1, snapshot_fields: [u, u]",
                                "{type: taylor_green}"))
                .find("solver.parameters.snapshot_fields: 'u' is listed twice"),
            std::string::npos);
  EXPECT_NE(input_error(section("cells: [16, 16], t_end: 1, snapshot_cells: [8, 7]",
                                "{type: taylor_green}"))
                .find("solver.parameters.snapshot_cells: 7 cells in y"),
            std::string::npos);
}

TEST(NsConfig, NonFiniteInitialVorticityNamesTheCell) {
  const YAML::Node s = resolved(
      section("cells: [16, 16], t_end: 1",
              "{type: expression, parameters: {vorticity: 'sqrt(0.5 - x) + sqrt(0.5 - y)'}}"));
  NavierStokes2dSolver solver(test::world(), navier_stokes::options_from_config(s));
  try {
    solver.initialize(SimulationSpec{});
    FAIL() << "no SimulationFailure";
  } catch (const SimulationFailure& e) {
    // x = y = 0.53125 is the first cell centre past 0.5 in each direction: cell (8, 0) first.
    EXPECT_NE(std::string(e.what()).find("the initial vorticity is not finite at cell (8, 0) "
                                         "(x = 0.53125, y = 0.03125) at t = 0"),
              std::string::npos)
        << e.what();
  }
}

TEST(NsConfig, BlowUpIsASimulationFailureOnEveryRank) {
  // A fixed step far beyond the IF-RK4 stability limit (max |u| dt / dx about 50).
  const YAML::Node s = resolved(
      section("cells: [32, 32], t_end: 10, dt: 0.5, nu: 0",
              "{type: expression, parameters: {vorticity: '20 * sin(2 * pi * x) * cos(2 * pi * y) "
              "+ 20 * sin(4 * pi * y) + 5 * cos(6 * pi * x + 2 * pi * y)'}}"));
  NavierStokes2dSolver solver(test::world(), navier_stokes::options_from_config(s));
  solver.initialize(SimulationSpec{});
  try {
    for (int k = 0; k < 200; ++k) solver.step(10.0);
    FAIL() << "no SimulationFailure";
  } catch (const SimulationFailure& e) {
    const std::string m = e.what();
    if (test::world().rank() == 0) std::printf("%s\n", m.c_str());
    EXPECT_TRUE(m.find("navier_stokes2d: the vorticity is not finite") != std::string::npos ||
                m.find("navier_stokes2d: the velocity is not finite") != std::string::npos)
        << m;
  }
}

TEST(NsConfig, SnapshotOfAnUnpreparedStateIsRefused) {
  const YAML::Node s = resolved(section("cells: [16, 16], t_end: 1", "{type: taylor_green}"));
  NavierStokes2dSolver solver(test::world(), navier_stokes::options_from_config(s));
  solver.initialize(SimulationSpec{});
  std::vector<double> w;
  solver.snapshot(w);  // prepared by initialize
  solver.step(1.0);    // the CFL step stops short of dt_limit
  EXPECT_LT(solver.time(), 1.0);
  EXPECT_THROW(solver.snapshot(w), std::logic_error);
  solver.prepare_snapshot();
  EXPECT_NO_THROW(solver.snapshot(w));
}

}  // namespace
}  // namespace surge
