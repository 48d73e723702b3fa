#include "solvers/burgers/burgers.hpp"

#include "solvers/burgers/scalar_law_config.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"

namespace surge::burgers {

using config::Schema;

Schema schema() {
  Schema p = Schema::map("parameters of the viscous Burgers solver");
  add_scalar_law_keys(p);
  p.add("viscosity", Schema::expression({},
                                        "viscosity nu >= 0; an expression of the study parameters, "
                                        "evaluated for each simulation")
                         .defaults("0.01"));
  return scalar_law_type_schema(
      p,
      "viscous Burgers equation u_t + sum_d (u^2/2)_{x_d} = nu Laplacian(u), finite volumes "
      "with WENO5, SSP-RK3 and a PETSc DMDA decomposition");
}

std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section) {
  return std::make_unique<ScalarLawSolver>(
      group, scalar_law_options(solver_section, ScalarLawOptions::Equation::Burgers));
}

void check(const YAML::Node& solver_section, const SimulationSpec& spec) {
  const ScalarLawOptions o = scalar_law_options(solver_section, ScalarLawOptions::Equation::Burgers);
  o.initial_condition(spec, o.grid);
}

}  // namespace surge::burgers
