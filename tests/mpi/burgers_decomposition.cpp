// The key parallel check: the same problem on 1, 2 and 4 ranks gives the same field (to
// 1e-12; in practice bit-identical). One 4-rank job splits the world into groups of 1, 2 and
// 4 ranks, runs each problem on each, gathers the fields to rank 0 and compares them.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "solvers/burgers/function_initial_condition.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"
#include "support/solver_gather.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

constexpr double kPi = 3.14159265358979323846;


// Runs `o` for `steps` adaptive steps on groups of 1, 2 and 4 ranks; rank 0 compares.
void check_decomposition(const ScalarLawOptions& o, int steps, const char* what) {
  const Comm world = test::world();
  ASSERT_EQ(world.size(), 4) << "run with 4 ranks";
  std::vector<std::vector<double>> fields;
  std::vector<double> times;
  for (int size : {1, 2, 4}) {
    const Comm group = world.split(world.rank() < size ? 0 : -1, world.rank());
    std::vector<double> field;
    double t = 0.0;
    if (!group.null()) {
      ScalarLawSolver s(group, o);
      s.initialize(SimulationSpec{});
      for (int k = 0; k < steps; ++k) s.step(o.t_end);
      field = test::gather_global(group, s);
      if (group.rank() == 0 && size == 4)
        std::printf("%s: 4-rank blocks are %d x %d cells\n", what, s.block().extent[0],
                    s.block().extent[1]);
      t = s.time();
    }
    fields.push_back(field);
    times.push_back(t);
  }
  if (world.rank() != 0) return;
  for (std::size_t g = 1; g < fields.size(); ++g) {
    ASSERT_EQ(fields[g].size(), fields[0].size());
    double diff = 0.0;
    for (std::size_t k = 0; k < fields[0].size(); ++k)
      diff = std::max(diff, std::fabs(fields[g][k] - fields[0][k]));
    std::printf("%s: %d steps to t = %.6f, max |u(%d ranks) - u(1 rank)| = %.3e\n", what, steps,
                times[g], g == 1 ? 2 : 4, diff);
    EXPECT_LE(diff, 1e-12) << what << ", " << (g == 1 ? 2 : 4) << " ranks";
    EXPECT_EQ(times[g], times[0]) << what;
  }
}

ScalarLawOptions burgers_1d(fv::Boundary side) {
  ScalarLawOptions o;
  o.grid.dim = 1;
  o.grid.cells = {96, 1, 1};
  o.grid.lower = {-1.0, 0, 0};
  o.grid.upper = {1.0, 1, 1};
  o.boundary = {side, side, fv::Boundary::Periodic, fv::Boundary::Periodic};
  o.viscosity = "0.002";
  o.t_end = 10.0;
  o.initial_condition = function_initial_condition(
      [](double x, double) { return 0.3 + std::sin(kPi * x) + 0.25 * std::cos(3 * kPi * x); });
  return o;
}

ScalarLawOptions burgers_2d(fv::Boundary x, fv::Boundary y) {
  ScalarLawOptions o;
  o.grid.dim = 2;
  o.grid.cells = {40, 36, 1};
  o.boundary = {x, x, y, y};
  o.viscosity = "0.003";
  o.flux = fv::NumericalFlux::LocalLaxFriedrichs;
  o.t_end = 10.0;
  o.initial_condition = function_initial_condition([](double x, double y) {
    return 0.2 + std::sin(2 * kPi * x) * std::cos(2 * kPi * y) +
           std::exp(-40 * ((x - 0.4) * (x - 0.4) + (y - 0.6) * (y - 0.6)));
  });
  return o;
}

TEST(BurgersDecomposition, Periodic1d) {
  check_decomposition(burgers_1d(fv::Boundary::Periodic), 150, "1D periodic");
}

TEST(BurgersDecomposition, Outflow1d) {
  check_decomposition(burgers_1d(fv::Boundary::Outflow), 150, "1D outflow");
}

TEST(BurgersDecomposition, Periodic2d) {
  check_decomposition(burgers_2d(fv::Boundary::Periodic, fv::Boundary::Periodic), 60,
                      "2D periodic");
}

TEST(BurgersDecomposition, Outflow2d) {
  check_decomposition(burgers_2d(fv::Boundary::Outflow, fv::Boundary::Outflow), 60, "2D outflow");
}

TEST(BurgersDecomposition, PeriodicXOutflowY2dAdvection) {
  ScalarLawOptions o = burgers_2d(fv::Boundary::Periodic, fv::Boundary::Outflow);
  o.equation = ScalarLawOptions::Equation::Advection;
  o.name = "advection";
  o.velocity = {"0.8", "-0.5"};
  o.weno = fv::WenoWeights::JS;
  o.flux = fv::NumericalFlux::Godunov;
  check_decomposition(o, 60, "2D advection, periodic x, outflow y");
}

}  // namespace
}  // namespace surge
