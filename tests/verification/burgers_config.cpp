// The configured path of the scalar-law solvers: solver_schema() resolves a `solver:` section
// (defaults filled), make_solver() builds the solver, initialize() evaluates the viscosity and
// velocity expressions of the study parameters and the configured initial condition.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"
#include "solvers/solver.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

YAML::Node resolved(const std::string& text) {
  config::ResolveContext ctx;
  ctx.file = "test.yaml";
  ctx.parameter_names = {"re", "speed"};
  return config::resolve(solver_schema(), YAML::Load(text), ctx);
}

SimulationSpec spec_with(double re, double speed) {
  SimulationSpec spec;
  spec.id = 3;
  spec.parameter_names = {"re", "speed"};
  spec.parameter_values = {re, speed};
  return spec;
}

double diagnostic(const Solver& s, const std::string& name) {
  for (const auto& [key, value] : s.diagnostics())
    if (key == name) return value;
  ADD_FAILURE() << "no diagnostic " << name;
  return 0.0;
}

TEST(BurgersConfig, RegistryListsBurgersAndAdvection) {
  const auto& r = solver_registry();
  ASSERT_GE(r.size(), 2u);
  EXPECT_EQ(r[0].name, "burgers");
  EXPECT_EQ(r[1].name, "advection");
}

TEST(BurgersConfig, BurgersFromConfigWithDefaults) {
  const YAML::Node section = resolved(R"yaml(
type: burgers
parameters:
  cells: [64]
  viscosity: "1 / re"
  t_end: 0.05
initial_condition:
  type: expression
  parameters:
    value: "0.5 + sin(2 * _pi * x)"
)yaml");
  EXPECT_EQ(section["parameters"]["flux"].as<std::string>(), "godunov");
  EXPECT_EQ(section["parameters"]["weno"].as<std::string>(), "z");
  EXPECT_EQ(section["parameters"]["boundary"]["x_low"].as<std::string>(), "periodic");
  auto solver = make_solver(test::world(), section);
  EXPECT_EQ(solver->field_names(), std::vector<std::string>{"u"});
  EXPECT_DOUBLE_EQ(solver->t_end(), 0.05);
  solver->initialize(spec_with(200.0, 0.0));
  EXPECT_DOUBLE_EQ(dynamic_cast<ScalarLawSolver&>(*solver).viscosity(), 0.005);
  const double m0 = diagnostic(*solver, "mass");
  EXPECT_NEAR(m0, 0.5, 1e-12);
  while (solver->time() < solver->t_end() * (1 - 1e-13))
    solver->step(solver->t_end() - solver->time());
  EXPECT_NEAR(solver->time(), 0.05, 1e-14);
  EXPECT_NEAR(diagnostic(*solver, "mass"), m0, 1e-13);
  // Re-initialising for another simulation resets time and coefficients.
  solver->initialize(spec_with(100.0, 0.0));
  EXPECT_EQ(solver->steps(), 0);
  EXPECT_DOUBLE_EQ(dynamic_cast<ScalarLawSolver&>(*solver).viscosity(), 0.01);
}

TEST(BurgersConfig, AdvectionVelocityIsAnExpression) {
  const YAML::Node section = resolved(R"yaml(
type: advection
parameters:
  cells: [32, 24]
  velocity: ["speed", "-0.5 * speed"]
  boundary: {y_low: outflow, y_high: outflow}
  flux: llf
  weno: js
  t_end: 0.1
initial_condition:
  type: expression
  parameters:
    value: "exp(-20 * ((x - 0.5)^2 + (y - 0.5)^2))"
)yaml");
  auto solver = make_solver(test::world(), section);
  solver->initialize(spec_with(1.0, 2.0));
  auto& s = dynamic_cast<ScalarLawSolver&>(*solver);
  EXPECT_DOUBLE_EQ(s.velocity()[0], 2.0);
  EXPECT_DOUBLE_EQ(s.velocity()[1], -1.0);
  EXPECT_DOUBLE_EQ(s.viscosity(), 0.0);
  // cfl 0.4 over |a_x|/dx + |a_y|/dy = 2 * 32 + 1 * 24.
  EXPECT_NEAR(s.stable_dt(), 0.4 / (2.0 * 32 + 24.0), 1e-15);
  solver->step(1.0);
  EXPECT_EQ(solver->steps(), 1);
}

TEST(BurgersConfig, HalfPeriodicDirectionNamesTheKey) {
  const YAML::Node section = resolved(R"yaml(
type: burgers
parameters:
  cells: [32]
  boundary: {x_low: outflow}
  t_end: 1
initial_condition:
  type: expression
  parameters: {value: "x"}
)yaml");
  try {
    make_solver(test::world(), section);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("solver.parameters.boundary.x_high"), std::string::npos)
        << e.what();
  }
}

TEST(BurgersConfig, UnknownTypeListsTheSolvers) {
  YAML::Node section;
  section["type"] = "burger";
  try {
    make_solver(test::world(), section);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'burgers'"), std::string::npos) << m;
    EXPECT_NE(m.find("advection"), std::string::npos) << m;
  }
}

TEST(BurgersConfig, SchemaRejectsBadValues) {
  EXPECT_THROW(resolved(R"yaml(
type: burgers
parameters:
  cells: [32]
  cfl: 1.5
  flux: roe
  t_end: 1
initial_condition:
  type: expression
  parameters: {value: "x"}
)yaml"),
               InputError);
}

}  // namespace
}  // namespace surge
