// The `euler` section of a config: initial conditions drawn from study parameters, and the
// errors the solver reports before any simulation starts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "solvers/euler/euler.hpp"
#include "solvers/euler/euler_solver.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

YAML::Node section(const std::string& cells, const std::string& extra_parameters,
                   const std::string& initial_condition) {
  const bool two_d = cells.find(',') != std::string::npos;
  const std::string box = two_d ? ", lower: [0, 0], upper: [1, 1]" : ", lower: [0], upper: [1]";
  return YAML::Load("parameters: {cells: " + cells + box + ", t_end: 0.1" + extra_parameters +
                    "}\ninitial_condition: " + initial_condition + "\n");
}

// A Riemann problem whose left state is drawn from the study: the solver's first cell carries
// the sampled values (E = p / (gamma - 1) + rho u^2 / 2).
TEST(EulerConfig, RiemannStatesAreExpressionsOfStudyParameters) {
  const YAML::Node s = section("[16]", ", gamma: 1.4",
                               "{type: riemann, parameters: {left: {rho: 2 * a, u: a - 1, p: 3}, "
                               "right: {rho: 1, p: 1}, position: 0.5}}");
  euler::EulerSolver solver(test::world(), euler::options_from_config(s));
  SimulationSpec spec;
  spec.parameter_names = {"a"};
  spec.parameter_values = {1.5};
  solver.initialize(spec);
  std::vector<double> u;
  solver.snapshot(u);
  if (solver.block().offset[0] != 0) return;
  const std::size_t n = solver.block().size();
  EXPECT_DOUBLE_EQ(u[0], 3.0);                             // rho
  EXPECT_DOUBLE_EQ(u[n], 1.5);                             // rho u
  EXPECT_DOUBLE_EQ(u[2 * n], 3.0 / 0.4 + 0.5 * 3 * 0.25);  // E
  EXPECT_EQ(solver.field_names(), (std::vector<std::string>{"rho", "mx", "E"}));
}

TEST(EulerConfig, ExpressionInitialConditionIn2d) {
  const YAML::Node s =
      section("[8, 8]", "", "{type: expression, parameters: {rho: 1 + x, u: y, v: -x, p: 2}}");
  euler::EulerSolver solver(test::world(), euler::options_from_config(s));
  solver.initialize(SimulationSpec{});
  EXPECT_EQ(solver.field_names(), (std::vector<std::string>{"rho", "mx", "my", "E"}));
  double mass = 0.0;
  for (const auto& [name, value] : solver.diagnostics())
    if (name == "mass") mass = value;
  EXPECT_NEAR(mass, 1.5, 1e-14);  // the midpoint rule is exact for the linear density
}

TEST(EulerConfig, TwoDimensionalConditionsNeedA2dGrid) {
  for (const char* ic :
       {"{type: quadrants, parameters: {upper_right: {rho: 1, p: 1}, upper_left: {rho: 1, p: 1}, "
        "lower_left: {rho: 1, p: 1}, lower_right: {rho: 1, p: 1}}}",
        "{type: isentropic_vortex}",
        "{type: riemann, parameters: {left: {rho: 1, p: 1}, right: {rho: 1, p: 1}, direction: "
        "y}}"}) {
    try {
      euler::options_from_config(section("[16]", "", ic));
      ADD_FAILURE() << "no InputError for " << ic;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("needs a 2D grid"), std::string::npos) << e.what();
    }
  }
}

TEST(EulerConfig, HalfPeriodicDirectionIsAnInputError) {
  const YAML::Node s =
      section("[16, 16]", ", boundary: {x_low: periodic, x_high: wall}",
              "{type: riemann, parameters: {left: {rho: 1, p: 1}, right: {rho: 1, p: 1}}}");
  try {
    euler::EulerSolver solver(test::world(), euler::options_from_config(s));
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "solver.parameters.boundary.x_low: 'periodic' needs the opposite side x_high"),
              std::string::npos)
        << e.what();
  }
}

// The example configs: their solver section resolves against the registry's schema, builds an
// euler solver through the registry, and runs a few steps with the study parameters at the
// middle of their ranges.
TEST(EulerConfig, ExampleConfigsResolveAndRun) {
  for (const char* file : {"configs/euler1d_sod.yaml", "configs/euler2d_riemann.yaml"}) {
    const YAML::Node config = YAML::LoadFile(test::source_path(file));
    SimulationSpec spec;
    for (const auto& p : config["study"]["parameters"]) {
      spec.parameter_names.push_back(p.first.as<std::string>());
      spec.parameter_values.push_back(
          0.5 * (p.second["low"].as<double>() + p.second["high"].as<double>()));
    }
    config::ResolveContext ctx;
    ctx.file = file;
    ctx.parameter_names = spec.parameter_names;
    const YAML::Node solver = config::resolve(solver_schema(), config["solver"], ctx);
    const std::unique_ptr<Solver> s = make_solver(test::world(), solver);
    s->initialize(spec);
    for (int k = 0; k < 5; ++k) s->step(s->t_end());
    EXPECT_GT(s->time(), 0.0) << file;
  }
}

}  // namespace
}  // namespace surge
