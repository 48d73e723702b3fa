// The one list of solvers surge knows. Adding a solver is one line here.
#include <sstream>

#include "core/error.hpp"
#include "solvers/advection/advection.hpp"
#include "solvers/burgers/burgers.hpp"
#include "solvers/euler/euler.hpp"
#include "solvers/navier_stokes/navier_stokes.hpp"
#include "solvers/nlse/nlse.hpp"
#include "solvers/solver.hpp"

namespace surge {

const std::vector<SolverEntry>& solver_registry() {
  static const std::vector<SolverEntry> entries = {
      {"burgers", "viscous Burgers equation (1D/2D finite volumes, WENO5, SSP-RK3)",
       &burgers::schema, &burgers::create, &burgers::check},
      {"advection", "linear advection with optional viscosity (same numerics as burgers)",
       &advection::schema, &advection::create, &advection::check},
      {"euler", "compressible Euler equations (1D/2D finite-difference WENO5, SSP-RK3)",
       &euler::schema, &euler::create, &euler::check},
      {"navier_stokes2d",
       "2D incompressible Navier-Stokes, vorticity form (pseudo-spectral, IF-RK4, FFTW-MPI)",
       &navier_stokes::schema, &navier_stokes::create, &navier_stokes::check},
      {"nlse", "nonlinear Schroedinger equation (1D/2D Fourier pseudo-spectral, split-step or DP5)",
       &nlse::schema, &nlse::create, &nlse::check},
  };
  return entries;
}

config::Schema solver_schema() {
  std::vector<std::pair<std::string, config::Schema>> types;
  for (const auto& e : solver_registry()) types.emplace_back(e.name, e.schema());
  return config::Schema::typed(std::move(types),
                               "the PDE solved by every simulation of the study, its numerical "
                               "parameters and its initial condition");
}

namespace {

const SolverEntry& entry_of(const YAML::Node& solver_section) {
  const YAML::Node type = solver_section["type"];
  const std::string name = type ? type.as<std::string>() : std::string();
  std::vector<std::string> names;
  for (const auto& e : solver_registry()) {
    if (e.name == name) return e;
    names.push_back(e.name);
  }
  std::ostringstream m;
  m << "solver.type: unknown solver '" << name << "'";
  if (const auto near = config::closest(name, names)) m << " (did you mean '" << *near << "'?)";
  m << "; available:";
  for (const auto& n : names) m << " " << n;
  throw InputError(m.str());
}

}  // namespace

std::unique_ptr<Solver> make_solver(const Comm& group, const YAML::Node& solver_section) {
  return entry_of(solver_section).create(group, solver_section);
}

void check_solver_inputs(const YAML::Node& solver_section, const SimulationSpec& spec) {
  entry_of(solver_section).check(solver_section, spec);
}

}  // namespace surge
