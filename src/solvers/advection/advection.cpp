#include "solvers/advection/advection.hpp"

#include "solvers/burgers/scalar_law_config.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"

namespace surge::advection {

using config::Schema;

Schema schema() {
  Schema p = Schema::map("parameters of the linear advection solver");
  add_scalar_law_keys(p);
  p.add("velocity",
        Schema::list(Schema::expression({},
                                        "velocity component; an expression of the study "
                                        "parameters"),
                     "constant advection velocity, one entry per direction (extra entries are "
                     "ignored)")
            .length(1, 2)
            .defaults("[\"1.0\", \"0.0\"]"));
  p.add("viscosity",
        Schema::expression({}, "viscosity nu >= 0; an expression of the study parameters")
            .defaults("0.0"));
  return scalar_law_type_schema(
      p, "linear advection u_t + a . grad(u) = nu Laplacian(u), same numerics as burgers");
}

std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section) {
  return std::make_unique<ScalarLawSolver>(
      group, scalar_law_options(solver_section, ScalarLawOptions::Equation::Advection));
}

void check(const YAML::Node& solver_section, const SimulationSpec& spec) {
  const ScalarLawOptions o = scalar_law_options(solver_section, ScalarLawOptions::Equation::Advection);
  o.initial_condition(spec, o.grid);
}

}  // namespace surge::advection
