#pragma once
// Configuration shared by the scalar-law solvers (burgers, advection): the schema keys they
// have in common and the translation of a resolved section into ScalarLawOptions.
#include <yaml-cpp/yaml.h>

#include "core/schema.hpp"
#include "solvers/burgers/scalar_law_solver.hpp"

namespace surge {

// Adds grid, boundary, flux, weno, cfl, viscous_cfl, dt and t_end to a `parameters` schema.
void add_scalar_law_keys(config::Schema& parameters);
// The type entry of a scalar-law solver: a map {parameters, initial_condition}.
config::Schema scalar_law_type_schema(config::Schema parameters, const std::string& doc);
// Reads a resolved `solver` section ({type, parameters, initial_condition}). Keys missing
// from the section take the schema's defaults. Throws InputError naming the key for values
// the schema cannot check (boundary pairs, velocity length). Not collective.
ScalarLawOptions scalar_law_options(const YAML::Node& solver_section,
                                    ScalarLawOptions::Equation equation);

}  // namespace surge
