// Conservation of mass, momentum and energy by the periodic Euler solver through shock
// formation, in 1D and 2D: the flux-difference form telescopes (the positivity limiter only
// changes face fluxes), so the integrals change only by round-off.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "solvers/euler/euler_solver.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

constexpr double kPi = 3.14159265358979323846;

using euler::EulerOptions;
using euler::EulerSolver;
using euler::Primitive;

std::vector<double> integrals(const Solver& s) {
  std::vector<double> out;
  for (const auto& [name, value] : s.diagnostics())
    if (name == "mass" || name.rfind("momentum", 0) == 0 || name == "energy") out.push_back(value);
  return out;
}

void check_conservation(const EulerOptions& o, int min_steps) {
  EulerSolver s(test::world(), o);
  s.initialize(SimulationSpec{});
  const std::vector<double> q0 = integrals(s);
  ASSERT_EQ(q0.size(), std::size_t(o.grid.dim + 2));
  std::vector<double> worst(q0.size(), 0.0);
  while (s.time() < o.t_end * (1 - 1e-14)) {
    s.step(o.t_end - s.time());
    const std::vector<double> q = integrals(s);
    for (std::size_t k = 0; k < q.size(); ++k)
      worst[k] = std::max(worst[k], std::fabs(q[k] - q0[k]) / std::fabs(q0[k]));
  }
  if (test::world().rank() == 0) {
    std::printf("%dD: %ld steps, max relative change of", o.grid.dim, s.steps());
    for (std::size_t k = 0; k < q0.size(); ++k)
      std::printf(" %s %.2e", s.field_names()[k].c_str(), worst[k]);
    std::printf("\n");
  }
  EXPECT_GE(s.steps(), min_steps);
  for (std::size_t k = 0; k < q0.size(); ++k) EXPECT_LE(worst[k], 1e-13) << s.field_names()[k];
}

TEST(EulerConservation, Periodic1dThroughShocks) {
  EulerOptions o;
  o.grid.dim = 1;
  o.grid.cells = {200, 1, 1};
  // Shorter than the shock-forming time would miss the limiter and shock capturing; longer
  // adds round-off of the Runge-Kutta stage combinations, which grows like sqrt(steps).
  o.t_end = 0.6;  // the sound waves steepen into shocks by t ~ 0.3
  o.initial_condition = [](const SimulationSpec&, const Grid&) {
    return [](double x, double) {
      return Primitive{1.0 + 0.5 * std::sin(2 * kPi * x), 0.8 + 0.5 * std::cos(2 * kPi * x), 0.0,
                       1.0 + 0.5 * std::sin(4 * kPi * x)};
    };
  };
  check_conservation(o, 500);
}

TEST(EulerConservation, Periodic2dThroughShocks) {
  EulerOptions o;
  o.grid.dim = 2;
  o.grid.cells = {48, 40, 1};
  o.t_end = 0.4;
  o.initial_condition = [](const SimulationSpec&, const Grid&) {
    return [](double x, double y) {
      return Primitive{1.0 + 0.5 * std::sin(2 * kPi * x) * std::cos(2 * kPi * y),
                       0.7 + 0.5 * std::sin(2 * kPi * y), -0.6 + 0.4 * std::cos(2 * kPi * x),
                       1.0 + 0.4 * std::sin(2 * kPi * (x + y))};
    };
  };
  check_conservation(o, 40);
}

}  // namespace
}  // namespace surge
