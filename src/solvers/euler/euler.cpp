#include "solvers/euler/euler.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/expression.hpp"
#include "grid/grid.hpp"
#include "solvers/config_values.hpp"

namespace surge::euler {

using config::Schema;

namespace {

using solver_config::scalar_text;
using solver_config::evaluate;
using solver_config::value_or;

constexpr double kPi = 3.14159265358979323846;

// A primitive state whose entries are expressions of the study parameters, so that drawing
// the parameters from the study's distributions gives randomised Riemann problems.
Schema state_schema(const std::string& doc) {
  Schema s = Schema::map(doc +
                         ": primitive state; each entry a number or an expression of "
                         "the study parameters");
  s.add("rho", Schema::expression({}, "density (> 0)").required());
  s.add("u", Schema::expression({}, "x velocity").defaults("0.0"));
  s.add("v", Schema::expression({}, "y velocity (ignored in 1D)").defaults("0.0"));
  s.add("p", Schema::expression({}, "pressure (> 0)").required());
  return s;
}

Schema initial_condition_schema() {
  Schema riemann = Schema::map(
      "Riemann problem: two constant states separated by a plane x = position (direction x) or "
      "y = position (direction y)");
  riemann.add("parameters",
              Schema::map("Parameters of riemann")
                  .add("left", state_schema("state below the interface").required())
                  .add("right", state_schema("state above the interface").required())
                  .add("position", Schema::expression({}, "interface position").defaults("0.5"))
                  .add("direction", Schema::choice({"x", "y"},
                                                   "normal of the interface (y "
                                                   "only in 2D)")
                                        .defaults("x"))
                  .required());

  Schema quadrants = Schema::map(
      "2D Riemann problem: four constant states in the quadrants around a point (Lax & Liu "
      "1998, Liska & Wendroff 2003)");
  quadrants.add("parameters",
                Schema::map("Parameters of quadrants")
                    .add("center", Schema::list(Schema::real("coordinate"), "the point [x0, y0]")
                                       .length(2, 2)
                                       .defaults("[0.5, 0.5]"))
                    .add("upper_right", state_schema("x > x0, y > y0 (quadrant 1)").required())
                    .add("upper_left", state_schema("x < x0, y > y0 (quadrant 2)").required())
                    .add("lower_left", state_schema("x < x0, y < y0 (quadrant 3)").required())
                    .add("lower_right", state_schema("x > x0, y < y0 (quadrant 4)").required())
                    .required());

  Schema vortex = Schema::map(
      "Isentropic vortex (Shu 1998) on a uniform flow with rho = p = 1: temperature "
      "T = 1 - (gamma-1) epsilon^2 / (8 gamma pi^2) exp(1 - r^2), rho = T^(1/(gamma-1)), "
      "p = rho^gamma, velocity perturbation epsilon / (2 pi) exp((1 - r^2)/2) (-(y-y0), x-x0); "
      "r is the distance to the nearest periodic image of the centre (2D)");
  vortex.add("parameters",
             Schema::map("Parameters of isentropic_vortex")
                 .add("epsilon", Schema::expression({}, "vortex strength").defaults("5.0"))
                 .add("center", Schema::list(Schema::real("coordinate"), "centre [x0, y0]")
                                    .length(2, 2)
                                    .defaults("[5.0, 5.0]"))
                 .add("velocity",
                      Schema::list(Schema::real("component"), "velocity of the uniform flow [u, v]")
                          .length(2, 2)
                          .defaults("[1.0, 1.0]"))
                 .defaults("{}"));

  Schema expression = Schema::map(
      "Primitive variables given as expressions of x, y and the study parameters, sampled at "
      "the cell centres (y = 0 in 1D)");
  expression.add("parameters",
                 Schema::map("Parameters of expression")
                     .add("rho", Schema::expression({"x", "y"}, "density").required())
                     .add("u", Schema::expression({"x", "y"}, "x velocity").defaults("0.0"))
                     .add("v", Schema::expression({"x", "y"}, "y velocity").defaults("0.0"))
                     .add("p", Schema::expression({"x", "y"}, "pressure").required())
                     .required());

  return Schema::typed({{"riemann", riemann},
                        {"quadrants", quadrants},
                        {"isentropic_vortex", vortex},
                        {"expression", expression}},
                       "initial primitive state (rho, u, v, p), sampled at the cell centres");
}


Primitive read_state(const YAML::Node& node, const SimulationSpec& spec, const std::string& where) {
  if (!node || !node.IsMap()) throw InputError(where + ": missing (a map is required)");
  Primitive w{};
  const char* keys[] = {"rho", "u", "v", "p"};
  const char* fallback[] = {nullptr, "0", "0", nullptr};
  for (int k = 0; k < 4; ++k)
    w[k] = evaluate(scalar_text(node, keys[k], where, fallback[k]), spec, where + "." + keys[k]);
  return w;
}

std::array<double, 2> read_pair(const YAML::Node& node, const char* key,
                                std::array<double, 2> fallback) {
  const YAML::Node v = node ? node[key] : YAML::Node();
  if (!v || !v.IsSequence() || v.size() != 2) return fallback;
  return {v[0].as<double>(), v[1].as<double>()};
}

// Compiles the configured initial condition for one simulation.
PrimitiveField make_field(const YAML::Node& section, const SimulationSpec& spec, const Grid& grid,
                          double gamma) {
  const std::string where = "solver.initial_condition";
  const std::string type = scalar_text(section, "type", where);
  const YAML::Node p = section["parameters"];
  const std::string pw = where + ".parameters";
  if (type == "riemann") {
    const Primitive left = read_state(p["left"], spec, pw + ".left");
    const Primitive right = read_state(p["right"], spec, pw + ".right");
    const double x0 = evaluate(scalar_text(p, "position", pw, "0.5"), spec, pw + ".position");
    const bool along_y = scalar_text(p, "direction", pw, "x") == "y";
    if (along_y && grid.dim < 2) throw InputError(pw + ".direction: 'y' needs a 2D grid");
    return [=](double x, double y) { return (along_y ? y : x) < x0 ? left : right; };
  }
  if (type == "quadrants") {
    if (grid.dim < 2) throw InputError(where + ".type: 'quadrants' needs a 2D grid");
    const auto c = read_pair(p, "center", {0.5, 0.5});
    const Primitive q1 = read_state(p["upper_right"], spec, pw + ".upper_right");
    const Primitive q2 = read_state(p["upper_left"], spec, pw + ".upper_left");
    const Primitive q3 = read_state(p["lower_left"], spec, pw + ".lower_left");
    const Primitive q4 = read_state(p["lower_right"], spec, pw + ".lower_right");
    return [=](double x, double y) {
      if (y > c[1]) return x > c[0] ? q1 : q2;
      return x > c[0] ? q4 : q3;
    };
  }
  if (type == "isentropic_vortex") {
    if (grid.dim < 2) throw InputError(where + ".type: 'isentropic_vortex' needs a 2D grid");
    const double eps = evaluate(scalar_text(p, "epsilon", pw, "5"), spec, pw + ".epsilon");
    const auto c = read_pair(p, "center", {5.0, 5.0});
    const auto vel = read_pair(p, "velocity", {1.0, 1.0});
    const double lx = grid.upper[0] - grid.lower[0], ly = grid.upper[1] - grid.lower[1];
    return [=](double x, double y) {
      double dx = x - c[0], dy = y - c[1];
      dx -= lx * std::round(dx / lx);
      dy -= ly * std::round(dy / ly);
      const double r2 = dx * dx + dy * dy;
      const double du = eps / (2 * kPi) * std::exp(0.5 * (1 - r2));
      const double T = 1 - (gamma - 1) * eps * eps / (8 * gamma * kPi * kPi) * std::exp(1 - r2);
      const double rho = std::pow(T, 1 / (gamma - 1));
      return Primitive{rho, vel[0] - du * dy, vel[1] + du * dx, rho * T};
    };
  }
  if (type == "expression") {
    std::vector<std::string> names{"x", "y"};
    names.insert(names.end(), spec.parameter_names.begin(), spec.parameter_names.end());
    struct Compiled {
      std::vector<Expression> e;
      std::vector<double> values;
    };
    auto compiled = std::make_shared<Compiled>();
    const char* keys[] = {"rho", "u", "v", "p"};
    const char* fallback[] = {nullptr, "0", "0", nullptr};
    for (int k = 0; k < 4; ++k)
      compiled->e.emplace_back(scalar_text(p, keys[k], pw, fallback[k]), names, pw + "." + keys[k]);
    compiled->values.assign(names.size(), 0.0);
    std::copy(spec.parameter_values.begin(), spec.parameter_values.end(),
              compiled->values.begin() + 2);
    return [compiled](double x, double y) {
      compiled->values[0] = x;
      compiled->values[1] = y;
      Primitive w;
      for (int k = 0; k < 4; ++k) w[k] = compiled->e[k](compiled->values);
      return w;
    };
  }
  throw InputError(where + ".type: unknown initial condition '" + type + "'");
}


}  // namespace

Schema schema() {
  Schema p = Schema::map("parameters of the compressible Euler solver");
  add_grid_keys(p);
  p.add("gamma",
        Schema::real("ratio of specific heats of the ideal gas").min(1.0, true).defaults("1.4"));
  Schema boundary = Schema::map(
      "boundary condition of each side: 'periodic' (both sides of a direction), 'outflow' (zero "
      "gradient) or 'wall' (reflective: mirror image with the normal velocity reversed)");
  for (const char* side : {"x_low", "x_high", "y_low", "y_high"}) {
    boundary.add(side, Schema::choice({"periodic", "outflow", "wall"},
                                      std::string("boundary condition at ") + side +
                                          " (the y sides are ignored in 1D)")
                           .defaults("periodic"));
  }
  p.add("boundary", boundary.defaults("{}"));
  p.add("weno", Schema::choice({"z", "js"},
                               "nonlinear weights of the WENO5 reconstruction: 'z' (Borges et al. "
                               "2008) or 'js' (Jiang & Shu 1996)")
                    .defaults("z"));
  p.add("reconstruction",
        Schema::choice({"characteristic", "component"},
                       "variables the split fluxes are reconstructed in: 'characteristic' "
                       "(projected on the eigenvectors of the Roe average at each face; fewer "
                       "oscillations) or 'component' (conserved variables; cheaper)")
            .defaults("characteristic"));
  p.add("splitting",
        Schema::choice({"local", "global"},
                       "Lax-Friedrichs flux splitting f +- alpha u of the finite-difference "
                       "WENO scheme (Rusanov-type): 'global' takes alpha of each characteristic "
                       "field as its largest |eigenvalue| over the domain at the start of the "
                       "step (times 1.1; max(|u|+c) for both acoustic fields), fifth order on "
                       "smooth flows; 'local' takes it from "
                       "the face's six-point stencil, slightly sharper at shocks but alpha "
                       "jumps from face to face and smooth flows lose about one order")
            .defaults("global"));
  p.add("positivity",
        Schema::boolean("blend each face flux with the first-order Lax-Friedrichs flux where "
                        "needed to keep density and pressure positive (Hu, Adams & Shu 2013); "
                        "inactive on smooth flows; guaranteed for cfl <= 0.5")
            .defaults("true"));
  p.add("cfl", Schema::real("CFL number: dt <= cfl / sum_d(max(|u_d| + c) / dx_d)")
                   .min(0.0, true)
                   .max(1.0)
                   .defaults("0.4"));
  p.add("dt", Schema::real("fixed time step; 0 chooses the step adaptively from the CFL limit")
                  .min(0.0)
                  .defaults("0.0"));
  p.add("t_end", Schema::real("final time of every simulation").min(0.0, true).required());

  Schema type = Schema::map(
      "compressible Euler equations of an ideal gas, conservative finite-difference WENO5 with "
      "Lax-Friedrichs flux splitting in characteristic variables, SSP-RK3, positivity-"
      "preserving flux limiter and a PETSc DMDA decomposition; fields rho, mx, (my,) E");
  type.add("parameters", p.required());
  type.add("initial_condition", initial_condition_schema().required());
  return type;
}

EulerOptions options_from_config(const YAML::Node& section) {
  EulerOptions o;
  const YAML::Node p = section["parameters"];
  if (!p || !p.IsMap()) throw InputError("solver.parameters: missing (a map is required)");
  o.grid = grid_from_config(p);
  o.gamma = value_or<double>(p, "gamma", 1.4);
  const YAML::Node b = p["boundary"];
  const char* sides[] = {"x_low", "x_high", "y_low", "y_high"};
  for (int k = 0; k < 4; ++k) {
    const std::string v = b ? value_or<std::string>(b, sides[k], "periodic") : "periodic";
    if (v == "periodic")
      o.boundary[k] = Boundary::Periodic;
    else if (v == "outflow")
      o.boundary[k] = Boundary::Outflow;
    else if (v == "wall")
      o.boundary[k] = Boundary::Wall;
    else
      throw InputError("solver.parameters.boundary." + std::string(sides[k]) + ": '" + v +
                       "' is not one of periodic, outflow, wall");
  }
  o.weno = value_or<std::string>(p, "weno", "z") == "js" ? fv::WenoWeights::JS : fv::WenoWeights::Z;
  o.reconstruction = value_or<std::string>(p, "reconstruction", "characteristic") == "component"
                         ? Reconstruction::Component
                         : Reconstruction::Characteristic;
  o.splitting = value_or<std::string>(p, "splitting", "global") == "local" ? Splitting::Local
                                                                           : Splitting::Global;
  o.positivity = value_or<bool>(p, "positivity", true);
  o.cfl = value_or<double>(p, "cfl", 0.4);
  o.fixed_dt = value_or<double>(p, "dt", 0.0);
  if (!p["t_end"]) throw InputError("solver.parameters.t_end: missing (required)");
  o.t_end = p["t_end"].as<double>();

  const YAML::Node ic = YAML::Clone(section["initial_condition"]);
  if (!ic || !ic.IsMap()) throw InputError("solver.initial_condition: missing (required)");
  // Conditions that need a 2D grid are refused here, before any simulation starts.
  const std::string type = scalar_text(ic, "type", "solver.initial_condition");
  if (o.grid.dim < 2 && (type == "quadrants" || type == "isentropic_vortex"))
    throw InputError("solver.initial_condition.type: '" + type + "' needs a 2D grid (cells has " +
                     "one entry)");
  if (o.grid.dim < 2 && type == "riemann" && ic["parameters"] &&
      scalar_text(ic["parameters"], "direction", "", "x") == "y")
    throw InputError(
        "solver.initial_condition.parameters.direction: 'y' needs a 2D grid (cells has one "
        "entry)");
  const double gamma = o.gamma;
  o.initial_condition = [ic, gamma](const SimulationSpec& spec, const Grid& grid) {
    return make_field(ic, spec, grid, gamma);
  };
  return o;
}

std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section) {
  return std::make_unique<EulerSolver>(group, options_from_config(solver_section));
}

void check(const YAML::Node& solver_section, const SimulationSpec& spec) {
  const EulerOptions o = options_from_config(solver_section);
  o.initial_condition(spec, o.grid);
}

}  // namespace surge::euler
