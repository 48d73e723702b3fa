#pragma once
// The `euler` solver: compressible Euler equations of an ideal gas in 1D or 2D.
#include <yaml-cpp/yaml.h>

#include <memory>

#include "solvers/euler/euler_solver.hpp"
#include "solvers/solver.hpp"

namespace surge::euler {

// Schema of the `euler` type: {parameters, initial_condition}.
config::Schema schema();
// Collective over `group`: an EulerSolver from the resolved `solver` section.
std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section);
// Not collective: the options and the initial condition of `spec` (see SolverEntry::check).
void check(const YAML::Node& solver_section, const SimulationSpec& spec);
// Reads a resolved `solver` section into options (the initial condition is compiled per
// simulation). Throws InputError naming the key for values the schema cannot check. Not
// collective.
EulerOptions options_from_config(const YAML::Node& solver_section);

}  // namespace surge::euler
