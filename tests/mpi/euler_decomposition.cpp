// The Euler solver gives the same fields on 1, 2 and 4 ranks (to 1e-12; in practice
// bit-identical). One 4-rank job splits the world into groups of 1, 2 and 4 ranks, runs each
// problem on each, gathers every field to rank 0 and compares them.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "solvers/euler/euler_solver.hpp"
#include "support/solver_gather.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

constexpr double kPi = 3.14159265358979323846;

using euler::Boundary;
using euler::EulerOptions;
using euler::EulerSolver;
using euler::Primitive;


// Runs `o` for `steps` adaptive steps on groups of 1, 2 and 4 ranks; rank 0 compares.
void check_decomposition(const EulerOptions& o, int steps, const char* what) {
  const Comm world = test::world();
  ASSERT_EQ(world.size(), 4) << "run with 4 ranks";
  std::vector<std::vector<double>> fields;
  std::vector<double> times;
  for (int size : {1, 2, 4}) {
    const Comm group = world.split(world.rank() < size ? 0 : -1, world.rank());
    std::vector<double> field;
    double t = 0.0;
    if (!group.null()) {
      EulerSolver s(group, o);
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
    std::printf("%s: %d steps to t = %.6f, max |U(%d ranks) - U(1 rank)| = %.3e\n", what, steps,
                times[g], g == 1 ? 2 : 4, diff);
    EXPECT_LE(diff, 1e-12) << what << ", " << (g == 1 ? 2 : 4) << " ranks";
    EXPECT_EQ(times[g], times[0]) << what;
  }
}

// A Sod-like tube with a sinusoidal perturbation, so that shocks, rarefactions and smooth parts
// all cross the rank boundaries.
EulerOptions tube_1d(Boundary low, Boundary high) {
  EulerOptions o;
  o.grid.dim = 1;
  o.grid.cells = {120, 1, 1};
  o.boundary = {low, high, Boundary::Periodic, Boundary::Periodic};
  o.t_end = 10.0;
  o.initial_condition = [](const SimulationSpec&, const Grid&) {
    return [](double x, double) {
      const double s = 0.1 * std::sin(6 * kPi * x);
      return x < 0.5 ? Primitive{1.0 + s, 0.3, 0.0, 1.0} : Primitive{0.125, -0.2 + s, 0.0, 0.1};
    };
  };
  return o;
}

// Liska-Wendroff configuration 3 moved off-centre, with a smooth perturbation.
EulerOptions quadrants_2d(Boundary x, Boundary y) {
  EulerOptions o;
  o.grid.dim = 2;
  o.grid.cells = {40, 36, 1};
  o.boundary = {x, x, y, y};
  o.t_end = 10.0;
  o.initial_condition = [](const SimulationSpec&, const Grid&) {
    return [](double x, double y) {
      const double s = 0.05 * std::sin(2 * kPi * x) * std::cos(2 * kPi * y);
      Primitive w = y > 0.45
                        ? (x > 0.55 ? Primitive{1.5, 0, 0, 1.5} : Primitive{0.5323, 1.206, 0, 0.3})
                        : (x > 0.55 ? Primitive{0.5323, 0, 1.206, 0.3}
                                    : Primitive{0.138, 1.206, 1.206, 0.029});
      w[0] += s;
      return w;
    };
  };
  return o;
}

TEST(EulerDecomposition, OutflowAndWall1d) {
  check_decomposition(tube_1d(Boundary::Wall, Boundary::Outflow), 80, "1D wall / outflow");
}

TEST(EulerDecomposition, Periodic1dLocalSplittingComponentwise) {
  EulerOptions o = tube_1d(Boundary::Periodic, Boundary::Periodic);
  o.splitting = euler::Splitting::Local;
  o.reconstruction = euler::Reconstruction::Component;
  o.weno = fv::WenoWeights::JS;
  check_decomposition(o, 80, "1D periodic, local splitting, component-wise, WENO-JS");
}

TEST(EulerDecomposition, Outflow2d) {
  check_decomposition(quadrants_2d(Boundary::Outflow, Boundary::Outflow), 40, "2D outflow");
}

TEST(EulerDecomposition, WallXPeriodicY2d) {
  check_decomposition(quadrants_2d(Boundary::Wall, Boundary::Periodic), 40,
                      "2D wall x, periodic y");
}

TEST(EulerDecomposition, PeriodicXWallY2dLocalSplitting) {
  EulerOptions o = quadrants_2d(Boundary::Periodic, Boundary::Wall);
  o.splitting = euler::Splitting::Local;
  check_decomposition(o, 40, "2D periodic x, wall y, local splitting");
}

}  // namespace
}  // namespace surge
