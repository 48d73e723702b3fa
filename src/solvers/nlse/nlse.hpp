#pragma once
// The `nlse` solver: the nonlinear Schroedinger equation in 1D or 2D on a periodic box.
#include <yaml-cpp/yaml.h>

#include <memory>

#include "solvers/nlse/nlse_solver.hpp"
#include "solvers/solver.hpp"

namespace surge::nlse {

// Schema of the `nlse` type: {parameters, initial_condition}.
config::Schema schema();
// Collective over `group`: an NlseSolver from the resolved `solver` section.
std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section);
// Not collective: the options and the initial condition of `spec` (see SolverEntry::check).
void check(const YAML::Node& solver_section, const SimulationSpec& spec);
// Reads a resolved `solver` section into options (the initial condition is compiled per
// simulation). Throws InputError naming the key for values the schema cannot check. Not
// collective.
NlseOptions options_from_config(const YAML::Node& solver_section);

}  // namespace surge::nlse
