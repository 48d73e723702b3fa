#include "solvers/burgers/scalar_law_config.hpp"

#include <string>
#include <utility>

#include "core/error.hpp"
#include "grid/grid.hpp"
#include "solvers/config_values.hpp"
#include "study/initial_condition.hpp"

namespace surge {

using config::Schema;

void add_scalar_law_keys(Schema& p) {
  add_grid_keys(p);
  Schema boundary = Schema::map(
      "boundary condition of each side: 'periodic' (both sides of a direction) or 'outflow' "
      "(zero gradient: the halo repeats the boundary cell)");
  for (const char* side : {"x_low", "x_high", "y_low", "y_high"}) {
    boundary.add(
        side, Schema::choice({"periodic", "outflow"}, std::string("boundary condition at ") + side +
                                                          " (the y sides are ignored in 1D)")
                  .defaults("periodic"));
  }
  p.add("boundary", boundary.defaults("{}"));
  p.add("flux", Schema::choice({"godunov", "llf"},
                               "numerical flux: 'godunov' (exact Riemann solution; upwind for "
                               "advection) or 'llf' (local Lax-Friedrichs / Rusanov)")
                    .defaults("godunov"));
  p.add("weno", Schema::choice({"z", "js"},
                               "nonlinear weights of the WENO5 reconstruction: 'z' (Borges et al. "
                               "2008, sharper) or 'js' (Jiang & Shu 1996)")
                    .defaults("z"));
  p.add("cfl", Schema::real("convective CFL number: dt <= cfl / sum_d(max|f_d'(u)| / dx_d)")
                   .min(0.0, true)
                   .max(1.0)
                   .defaults("0.4"));
  p.add("viscous_cfl",
        Schema::real("viscous limit on the step: dt <= viscous_cfl / (viscosity * sum_d 1/dx_d^2); "
                     "SSP-RK3 with the sixth-order viscous flux is stable up to about 0.41")
            .min(0.0, true)
            .max(0.4)
            .defaults("0.25"));
  p.add("dt", Schema::real("fixed time step; 0 chooses the step adaptively from the CFL limits")
                  .min(0.0)
                  .defaults("0.0"));
  p.add("t_end", Schema::real("final time of every simulation").min(0.0, true).required());
}

Schema scalar_law_type_schema(Schema parameters, const std::string& doc) {
  Schema type = Schema::map(doc);
  type.add("parameters", parameters.required());
  type.add("initial_condition", initial_condition_schema());
  return type;
}

namespace {

using solver_config::value_or;


}  // namespace

ScalarLawOptions scalar_law_options(const YAML::Node& section,
                                    ScalarLawOptions::Equation equation) {
  ScalarLawOptions o;
  o.equation = equation;
  o.name = equation == ScalarLawOptions::Equation::Burgers ? "burgers" : "advection";
  const YAML::Node p = section["parameters"];
  if (!p || !p.IsMap()) throw InputError("solver.parameters: missing (a map is required)");
  o.grid = grid_from_config(p);

  const YAML::Node b = p["boundary"];
  const char* sides[] = {"x_low", "x_high", "y_low", "y_high"};
  for (int k = 0; k < 4; ++k) {
    const std::string v = b ? value_or<std::string>(b, sides[k], "periodic") : "periodic";
    if (v != "periodic" && v != "outflow")
      throw InputError("solver.parameters.boundary." + std::string(sides[k]) + ": '" + v +
                       "' is not one of periodic, outflow");
    o.boundary[k] = v == "periodic" ? fv::Boundary::Periodic : fv::Boundary::Outflow;
  }
  const std::string flux = value_or<std::string>(p, "flux", "godunov");
  o.flux = flux == "llf" ? fv::NumericalFlux::LocalLaxFriedrichs : fv::NumericalFlux::Godunov;
  const std::string weno = value_or<std::string>(p, "weno", "z");
  o.weno = weno == "js" ? fv::WenoWeights::JS : fv::WenoWeights::Z;
  o.cfl = value_or<double>(p, "cfl", 0.4);
  o.viscous_cfl = value_or<double>(p, "viscous_cfl", 0.25);
  o.fixed_dt = value_or<double>(p, "dt", 0.0);
  if (!p["t_end"]) throw InputError("solver.parameters.t_end: missing (required)");
  o.t_end = p["t_end"].as<double>();

  if (equation == ScalarLawOptions::Equation::Burgers) {
    o.viscosity = value_or<std::string>(p, "viscosity", "0.01");
  } else {
    o.viscosity = value_or<std::string>(p, "viscosity", "0");
    o.velocity.clear();
    const YAML::Node v = p["velocity"];
    if (v && v.IsSequence()) {
      for (const auto& item : v) o.velocity.push_back(item.as<std::string>());
    } else {
      o.velocity = {"1.0", "0.0"};
    }
    if (static_cast<int>(o.velocity.size()) < o.grid.dim)
      throw InputError("solver.parameters.velocity: " + std::to_string(o.velocity.size()) +
                       " entries given, the grid has " + std::to_string(o.grid.dim) +
                       " directions");
  }

  const YAML::Node ic = YAML::Clone(section["initial_condition"]);
  o.initial_condition = [ic](const SimulationSpec& spec, const Grid& grid) {
    return make_initial_condition(ic, spec, grid);
  };
  return o;
}

}  // namespace surge
