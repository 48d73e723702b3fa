#pragma once
// The `advection` solver: u_t + sum_d a_d u_{x_d} = nu Laplacian(u), constant velocity a.
#include <memory>

#include "solvers/solver.hpp"

namespace surge::advection {

// Schema of the `advection` type: {parameters, initial_condition}.
config::Schema schema();
// Collective over `group`: a ScalarLawSolver for linear advection from the resolved section.
std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section);
// Not collective: the options and the initial condition of `spec` (see SolverEntry::check).
void check(const YAML::Node& solver_section, const SimulationSpec& spec);

}  // namespace surge::advection
