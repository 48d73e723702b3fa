// The `nlse` section of a config: initial conditions drawn from study parameters and seeds,
// the snapshot channels, the errors the solver reports before any simulation starts, and the
// breakdown reports (SimulationFailure) of a simulation that blows up.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "solvers/nlse/nlse.hpp"
#include "solvers/nlse/nlse_solver.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

using cplx = std::complex<double>;

YAML::Node section(const std::string& parameters, const std::string& initial_condition) {
  return YAML::Load("parameters: {cells: [64], lower: [-10], upper: [10], t_end: 1, " + parameters +
                    "}\ninitial_condition: " + initial_condition + "\n");
}

void expect_input_error(const YAML::Node& s, const std::string& text, const SimulationSpec& spec) {
  try {
    nlse::check(s, spec);
    ADD_FAILURE() << "no InputError, expected: " << text;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(NlseConfig, CoefficientsAndExpressionsTakeStudyParameters) {
  const YAML::Node s = section("dt: 0.1, beta: 2 * b, sigma: -b",
                               "{type: expression, parameters: {real: 'a * exp(-x^2)', imag: "
                               "'x * b'}}");
  nlse::NlseSolver solver(test::world(), nlse::options_from_config(s));
  SimulationSpec spec;
  spec.parameter_names = {"a", "b"};
  spec.parameter_values = {3.0, 0.5};
  solver.initialize(spec);
  EXPECT_DOUBLE_EQ(solver.beta(), 1.0);
  EXPECT_DOUBLE_EQ(solver.sigma(), -0.5);
  EXPECT_EQ(solver.field_names(), (std::vector<std::string>{"re", "im"}));
  std::vector<double> out;
  solver.snapshot(out);
  const Grid& g = solver.grid();
  const double x = g.center(0, 20);
  EXPECT_DOUBLE_EQ(out[20], 3.0 * std::exp(-x * x));
  EXPECT_DOUBLE_EQ(out[64 + 20], 0.5 * x);
}

TEST(NlseConfig, AmplitudePhaseChannels) {
  const YAML::Node s = section("dt: 0.1, fields: amplitude_phase",
                               "{type: gaussian, parameters: {amplitude: 2, width: 1.5, "
                               "wavenumber: [0.7], phase: 0.3}}");
  nlse::NlseSolver solver(test::world(), nlse::options_from_config(s));
  solver.initialize(SimulationSpec{});
  EXPECT_EQ(solver.field_names(), (std::vector<std::string>{"amplitude", "phase"}));
  std::vector<double> out;
  solver.snapshot(out);
  const double x = solver.grid().center(0, 33);
  EXPECT_NEAR(out[33], 2 * std::exp(-x * x / 4.5), 1e-14);
  EXPECT_NEAR(std::remainder(out[64 + 33] - (0.7 * x + 0.3), 2 * M_PI), 0.0, 1e-14);
}

// Random soliton sets: the same seed gives the same set, another seed another one; the count
// stays within its range (the mass of a set of well separated solitons is 2 sum A, at least
// 2 A_min per soliton).
TEST(NlseConfig, RandomSolitonsFollowTheSeed) {
  const YAML::Node s = YAML::Load(
      "parameters: {cells: [512], lower: [-40], upper: [40], t_end: 1, dt: 0.1}\n"
      "initial_condition: {type: random_solitons, parameters: {count: [2, 2], "
      "amplitude: [1, 1.5], velocity: [-1, 1], position: [-20, 20]}}");
  nlse::NlseSolver solver(test::world(), nlse::options_from_config(s));
  std::vector<std::vector<cplx>> fields;
  for (std::uint64_t seed : {7u, 7u, 8u}) {
    SimulationSpec spec;
    spec.seed = seed;
    solver.initialize(spec);
    fields.push_back(solver.field());
    double mass = 0.0;
    for (const auto& [name, value] : solver.diagnostics())
      if (name == "mass") mass = value;
    EXPECT_GT(mass, 2 * 2 * 1.0 * 0.9);
    EXPECT_LT(mass, 2 * 2 * 1.5 * 1.6);  // overlapping solitons may interfere constructively
  }
  EXPECT_EQ(fields[0], fields[1]);
  EXPECT_NE(fields[0], fields[2]);
}

TEST(NlseConfig, ErrorsNameTheKey) {
  const SimulationSpec spec;
  expect_input_error(section("integrator: strang", "{type: gaussian}"),
                     "solver.parameters.dt: the split-step integrator 'strang' needs a fixed "
                     "step dt > 0",
                     spec);
  expect_input_error(
      section("dt: 0.1, sigma: -1", "{type: solitons, parameters: {solitons: [{amplitude: 1}]}}"),
      "solver.initial_condition.parameters.solitons: solitons need a focusing "
      "equation",
      spec);
  expect_input_error(section("dt: 0.1",
                             "{type: solitons, parameters: {solitons: [{amplitude: 1}, "
                             "{amplitude: -2}]}}"),
                     "solver.initial_condition.parameters.solitons[1].amplitude: -2 is not > 0",
                     spec);
  expect_input_error(section("dt: 0.1", "{type: random_solitons, parameters: {amplitude: [2, 1]}}"),
                     "solver.initial_condition.parameters.amplitude: expected [low, high]", spec);
  expect_input_error(section("dt: 0.1, beta: 0", "{type: gaussian}"),
                     "solver.parameters.beta: '0' evaluates to 0", spec);
  expect_input_error(section("dt: 2", "{type: gaussian}"),
                     "solver.parameters.dt: 2 exceeds t_end = 1", spec);
  expect_input_error(section("dt: 0.1", "{type: expression, parameters: {real: 'sqrt(x)'}}"),
                     "solver.initial_condition: psi is not finite", spec);
  expect_input_error(
      section("dt: 0.1, dealiasing: exponential, filter: {order: 5}", "{type: gaussian}"),
      "solver.parameters.filter.order: 5 is odd", spec);
}

// A state that overflows stops the simulation on every rank together: a value whose |psi|^2
// overflows is refused at the start; the adaptive scheme's step collapses when the nonlinear
// term overflows during the run (the split-step schemes only turn phases and cannot).
TEST(NlseConfig, BlowUpIsASimulationFailure) {
  {
    const YAML::Node s = section("dt: 0.1, integrator: strang",
                                 "{type: gaussian, parameters: {amplitude: 1.0e200}}");
    nlse::NlseSolver solver(test::world(), nlse::options_from_config(s));
    try {
      solver.initialize(SimulationSpec{});
      ADD_FAILURE() << "no SimulationFailure";
    } catch (const SimulationFailure& e) {
      std::printf("strang: %s\n", e.what());
      EXPECT_NE(std::string(e.what()).find("the initial condition is not finite at point (0)"),
                std::string::npos)
          << e.what();
    }
  }
  const YAML::Node s =
      section("integrator: dormand_prince", "{type: gaussian, parameters: {amplitude: 1.0e100}}");
  nlse::NlseSolver solver(test::world(), nlse::options_from_config(s));
  solver.initialize(SimulationSpec{});
  try {
    for (int k = 0; k < 100; ++k) solver.step(1.0);
    ADD_FAILURE() << "no SimulationFailure";
  } catch (const SimulationFailure& e) {
    std::printf("dormand_prince: %s\n", e.what());
    EXPECT_NE(std::string(e.what()).find("the time step collapsed"), std::string::npos) << e.what();
  }
  // A non-finite initial value is reported before the first step.
  const YAML::Node e = section("dt: 0.1", "{type: expression, parameters: {real: 'sqrt(x)'}}");
  nlse::NlseSolver other(test::world(), nlse::options_from_config(e));
  EXPECT_THROW(other.initialize(SimulationSpec{}), SimulationFailure);
}

}  // namespace
}  // namespace surge
