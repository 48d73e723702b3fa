#pragma once
// The `burgers` solver: u_t + sum_d (u^2/2)_{x_d} = nu Laplacian(u) in 1D or 2D.
#include <memory>

#include "solvers/solver.hpp"

namespace surge::burgers {

// Schema of the `burgers` type: {parameters, initial_condition}.
config::Schema schema();
// Collective over `group`: a ScalarLawSolver for Burgers from the resolved `solver` section.
std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section);
// Not collective: the options and the initial condition of `spec` (see SolverEntry::check).
void check(const YAML::Node& solver_section, const SimulationSpec& spec);

}  // namespace surge::burgers
