// Conservation of the integral of u by the periodic finite-volume Burgers solver through shock
// formation, in 1D and 2D: the flux form telescopes, so mass changes only by round-off.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "solvers/burgers/function_initial_condition.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

constexpr double kPi = 3.14159265358979323846;

double mass(const Solver& s) {
  for (const auto& [name, value] : s.diagnostics())
    if (name == "mass") return value;
  ADD_FAILURE() << "no 'mass' diagnostic";
  return 0.0;
}

void check_conservation(ScalarLawOptions o, int min_steps) {
  ScalarLawSolver s(test::world(), o);
  s.initialize(SimulationSpec{});
  const double m0 = mass(s);
  double worst = 0.0;
  while (s.time() < o.t_end * (1 - 1e-13)) {
    s.step(o.t_end - s.time());
    worst = std::max(worst, std::fabs(mass(s) - m0) / std::fabs(m0));
  }
  if (test::world().rank() == 0)
    std::printf("%dD: %ld steps, mass %.15g, max relative mass change %.3e\n", o.grid.dim,
                s.steps(), m0, worst);
  EXPECT_GE(s.steps(), min_steps);
  EXPECT_LE(worst, 1e-12);
}

TEST(BurgersConservation, Periodic1dThroughShocks) {
  ScalarLawOptions o;
  o.grid.dim = 1;
  o.grid.cells = {128, 1, 1};
  o.viscosity = "0.001";
  o.flux = fv::NumericalFlux::LocalLaxFriedrichs;
  o.t_end = 1.0;  // shocks form at t ~ 1 / (2 pi * 1.6)
  o.initial_condition = function_initial_condition(
      [](double x, double) { return 0.5 + std::sin(2 * kPi * x) + 0.3 * std::cos(6 * kPi * x); });
  check_conservation(o, 300);
}

TEST(BurgersConservation, Periodic2dThroughShocks) {
  ScalarLawOptions o;
  o.grid.dim = 2;
  o.grid.cells = {48, 40, 1};
  o.viscosity = "0.002";
  o.t_end = 0.5;
  o.initial_condition = function_initial_condition([](double x, double y) {
    return 0.5 + std::sin(2 * kPi * x) * std::cos(2 * kPi * y) + 0.2 * std::sin(4 * kPi * y);
  });
  check_conservation(o, 100);
}

}  // namespace
}  // namespace surge
