// Breakdown detection: every rank throws SimulationFailure together, naming the first
// non-finite cell, its position and the time.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "solvers/burgers/function_initial_condition.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

constexpr double kPi = 3.14159265358979323846;

ScalarLawOptions base_1d(int cells) {
  ScalarLawOptions o;
  o.grid.dim = 1;
  o.grid.cells = {cells, 1, 1};
  o.t_end = 1.0;
  o.initial_condition =
      function_initial_condition([](double x, double) { return std::sin(2 * kPi * x); });
  return o;
}

// A NaN in the initial data at x in cell 17 (of 64) is reported at initialize().
TEST(BurgersBlowup, NonFiniteInitialDataNamesCell) {
  ScalarLawOptions o = base_1d(64);
  const double lo = 17.0 / 64, hi = 18.0 / 64;
  o.initial_condition = function_initial_condition([=](double x, double) {
    return x > lo && x < hi ? std::numeric_limits<double>::quiet_NaN() : 1.0;
  });
  ScalarLawSolver s(test::world(), o);
  try {
    s.initialize(SimulationSpec{});
    FAIL() << "no SimulationFailure";
  } catch (const SimulationFailure& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cell (17)"), std::string::npos) << m;
    EXPECT_NE(m.find("x = 0.2734375"), std::string::npos) << m;
    EXPECT_NE(m.find("t = 0"), std::string::npos) << m;
  }
}

// A fixed step 20 times the CFL limit makes the scheme unstable: the growth overflows to
// Inf/NaN within a few dozen steps and the failure names a cell and the time.
TEST(BurgersBlowup, UnstableFixedStepThrows) {
  ScalarLawOptions o = base_1d(64);
  o.equation = ScalarLawOptions::Equation::Advection;
  o.name = "advection";
  o.velocity = {"1.0"};
  o.fixed_dt = 20.0 / 64;
  o.t_end = 1e6;
  ScalarLawSolver s(test::world(), o);
  s.initialize(SimulationSpec{});
  bool thrown = false;
  try {
    for (int k = 0; k < 2000; ++k) s.step(1e300);
  } catch (const SimulationFailure& e) {
    thrown = true;
    const std::string m = e.what();
    EXPECT_NE(m.find("advection: the solution is no longer finite at cell ("), std::string::npos)
        << m;
    EXPECT_NE(m.find(") at t = "), std::string::npos) << m;
    if (test::world().rank() == 0) std::printf("message: %s\n", m.c_str());
  }
  EXPECT_TRUE(thrown);
  EXPECT_LT(s.steps(), 2000);
}

TEST(BurgersBlowup, NegativeViscosityIsRejected) {
  ScalarLawOptions o = base_1d(32);
  o.viscosity = "nu - 1";
  ScalarLawSolver s(test::world(), o);
  SimulationSpec spec;
  spec.id = 7;
  spec.parameter_names = {"nu"};
  spec.parameter_values = {0.25};
  try {
    s.initialize(spec);
    FAIL() << "no SimulationFailure";
  } catch (const SimulationFailure& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("solver.parameters.viscosity"), std::string::npos) << m;
    EXPECT_NE(m.find("-0.75"), std::string::npos) << m;
  }
  spec.parameter_values = {1.25};
  s.initialize(spec);
  EXPECT_DOUBLE_EQ(s.viscosity(), 0.25);
}

TEST(BurgersBlowup, CollapsedStepThrows) {
  ScalarLawOptions o = base_1d(32);
  o.fixed_dt = 1e-14;
  ScalarLawSolver s(test::world(), o);
  s.initialize(SimulationSpec{});
  try {
    s.step(1.0);
    FAIL() << "no SimulationFailure";
  } catch (const SimulationFailure& e) {
    EXPECT_NE(std::string(e.what()).find("time step collapsed"), std::string::npos) << e.what();
  }
}

TEST(BurgersBlowup, HalfPeriodicBoundaryIsAnInputError) {
  ScalarLawOptions o = base_1d(32);
  o.boundary = {fv::Boundary::Periodic, fv::Boundary::Outflow, fv::Boundary::Periodic,
                fv::Boundary::Periodic};
  try {
    ScalarLawSolver s(test::world(), o);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "solver.parameters.boundary.x_low: 'periodic' needs the opposite side x_high"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace surge
