#pragma once
// The `navier_stokes2d` solver: 2D incompressible Navier-Stokes (vorticity-streamfunction) on a
// periodic box by a Fourier pseudo-spectral method.
#include <yaml-cpp/yaml.h>

#include <memory>

#include "solvers/navier_stokes/ns2d_solver.hpp"
#include "solvers/solver.hpp"

namespace surge::navier_stokes {

// Schema of the `navier_stokes2d` type: {parameters, initial_condition}.
config::Schema schema();
// Collective over `group`: a NavierStokes2dSolver from the resolved `solver` section.
std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section);
// Not collective: the options, nu and drag, the forcing and the initial condition of `spec`
// (see SolverEntry::check).
void check(const YAML::Node& solver_section, const SimulationSpec& spec);
// Reads a resolved `solver` section into options (forcing and initial condition are compiled
// per simulation). Throws InputError naming the key for values the schema cannot check. Not
// collective.
NavierStokes2dOptions options_from_config(const YAML::Node& solver_section);

}  // namespace surge::navier_stokes
