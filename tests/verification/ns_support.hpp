#pragma once
// Helpers of the navier_stokes2d tests: options for a box, and a snapshot gathered on rank 0.
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "solvers/navier_stokes/ns2d_solver.hpp"
#include "support/solver_gather.hpp"

namespace surge::ns_test {

using test::gather_global;

constexpr double kPi = 3.14159265358979323846;

// A number as expression text, all digits kept.
inline std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

inline navier_stokes::NavierStokes2dOptions box(int nx, int ny, double lx, double ly) {
  navier_stokes::NavierStokes2dOptions o;
  o.grid.dim = 2;
  o.grid.cells = {nx, ny, 1};
  o.grid.lower = {0.0, 0.0, 0.0};
  o.grid.upper = {lx, ly, 1.0};
  o.planner = spectral::Planner::Estimate;
  return o;
}


// Collective: steps to `t` as the workflows do (each step limited to the time left), so the last
// step lands on t and prepares the snapshot.
inline void advance_to(navier_stokes::NavierStokes2dSolver& s, double t) {
  while (t - s.time() > 1e-12 * std::max(1.0, t)) s.step(t - s.time());
}

inline double diagnostic(const Solver& s, const std::string& name) {
  for (const auto& [n, v] : s.diagnostics())
    if (n == name) return v;
  return std::nan("");
}

}  // namespace surge::ns_test
