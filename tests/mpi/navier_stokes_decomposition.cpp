// The navier_stokes2d solver gives the same fields on 1, 2 and 4 ranks (to 1e-12): one 4-rank
// job splits the world into groups of 1, 2 and 4 ranks, runs each case on each, gathers the
// snapshot to rank 0 and compares. Also: a group with more ranks than rows of the solve or the
// snapshot grid is an input error naming the key, on every rank.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "support/test_support.hpp"
#include "verification/ns_support.hpp"

namespace surge {
namespace {

using navier_stokes::InitialVorticity;
using navier_stokes::NavierStokes2dOptions;
using navier_stokes::NavierStokes2dSolver;
using navier_stokes::SnapshotField;
using ns_test::kPi;

void check_decomposition(const NavierStokes2dOptions& o, const char* what) {
  const Comm world = test::world();
  ASSERT_EQ(world.size(), 4) << "run with 4 ranks";
  std::vector<std::vector<double>> fields;
  std::vector<long> steps;
  for (int size : {1, 2, 4}) {
    const Comm group = world.split(world.rank() < size ? 0 : -1, world.rank());
    std::vector<double> field;
    long n = 0;
    if (!group.null()) {
      NavierStokes2dSolver s(group, o);
      SimulationSpec spec;
      spec.seed = 4242;
      s.initialize(spec);
      ns_test::advance_to(s, o.t_end);
      field = ns_test::gather_global(group, s);
      n = s.steps();
      if (group.rank() == 0 && size == 4)
        std::printf("%s: 4-rank snapshot blocks of %d x %d cells\n", what, s.block().extent[0],
                    s.block().extent[1]);
    }
    fields.push_back(field);
    steps.push_back(n);
  }
  if (world.rank() != 0) return;
  double peak = 0.0;
  for (double v : fields[0]) peak = std::max(peak, std::fabs(v));
  for (std::size_t g = 1; g < fields.size(); ++g) {
    ASSERT_EQ(fields[g].size(), fields[0].size());
    double diff = 0.0;
    for (std::size_t k = 0; k < fields[0].size(); ++k)
      diff = std::max(diff, std::fabs(fields[g][k] - fields[0][k]));
    std::printf("%s: %ld steps, max |field| %.3f, max |F(%d ranks) - F(1 rank)| = %.3e\n", what,
                steps[g], peak, g == 1 ? 2 : 4, diff);
    EXPECT_LE(diff, 1e-12) << what << ", " << (g == 1 ? 2 : 4) << " ranks";
    EXPECT_EQ(steps[g], steps[0]) << what;
  }
}

// A random field under FNO-type forcing on the unit box with every field in the snapshot: the
// nonlinear term, the random initial condition (drawn mode by mode, whichever rank owns the
// mode) and the CFL reductions all take part.
NavierStokes2dOptions forced_random_flow() {
  NavierStokes2dOptions o = ns_test::box(64, 48, 1.0, 1.0);
  o.nu = "1e-3";
  o.drag = "0.05";
  o.t_end = 3.0;
  o.cfl = 0.5;
  o.fields = {SnapshotField::Vorticity, SnapshotField::U, SnapshotField::V};
  o.initial_condition = [](const SimulationSpec& spec, const Grid&) {
    InitialVorticity v;
    v.seed = spec.seed;
    return v;
  };
  o.forcing = [](const SimulationSpec&, const Grid&) {
    return [](double x, double y) {
      return 0.1 * (std::sin(2 * kPi * (x + y)) + std::cos(2 * kPi * (x + y)));
    };
  };
  return o;
}

TEST(NsDecomposition, ForcedRandomFlow) {
  check_decomposition(forced_random_flow(), "64x48 forced random flow, w u v");
}

TEST(NsDecomposition, DownSampledSnapshot) {
  NavierStokes2dOptions o = forced_random_flow();
  o.snapshot_cells = {32, 24};
  check_decomposition(o, "64x48 solved, 32x24 snapshot");
}

TEST(NsDecomposition, InviscidWithoutDealiasing) {
  NavierStokes2dOptions o = forced_random_flow();
  o.nu = "0";
  o.drag = "0";
  o.dealias = false;
  o.forcing = nullptr;
  o.fields = {SnapshotField::Vorticity};
  check_decomposition(o, "64x48 inviscid, no dealiasing");
}

// Expects an InputError naming `key` on every rank of a 4-rank group.
void expect_row_error(const NavierStokes2dOptions& o, const std::string& key) {
  try {
    NavierStokes2dSolver s(test::world(), o);
    ADD_FAILURE() << "no InputError on rank " << test::world().rank();
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(key), std::string::npos) << m;
    EXPECT_NE(m.find("at most 3 rank(s)"), std::string::npos) << m;
    if (test::world().rank() == 0) std::printf("%s\n", m.c_str());
  }
}

TEST(NsDecomposition, RanksWithoutRowsAreAnInputError) {
  // 6 rows in slabs of 2 leave the fourth rank without rows.
  NavierStokes2dOptions o = forced_random_flow();
  o.grid.cells = {16, 6, 1};
  expect_row_error(o, "solver.parameters.cells");
  o.grid.cells = {16, 12, 1};
  o.snapshot_cells = {8, 6};
  expect_row_error(o, "solver.parameters.snapshot_cells");
}

}  // namespace
}  // namespace surge
