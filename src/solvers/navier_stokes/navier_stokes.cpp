#include "solvers/navier_stokes/navier_stokes.hpp"

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/expression.hpp"
#include "grid/grid.hpp"
#include "solvers/config_values.hpp"
#include "solvers/spectral/fourier.hpp"

namespace surge::navier_stokes {

using config::Schema;

namespace {

using solver_config::value_or;

constexpr double kTwoPi = 6.28318530717958647692;

Schema forcing_schema() {
  Schema none = Schema::map("no forcing");
  Schema kolmogorov = Schema::map(
      "Kolmogorov forcing of the vorticity, f = amplitude sin(n 2 pi (y - lower_y) / L_y) "
      "(sin(n y) on [0, 2 pi)); usually with a linear drag");
  kolmogorov.add(
      "parameters",
      Schema::map("Parameters of kolmogorov")
          .add("amplitude",
               Schema::expression({}, "amplitude of the vorticity forcing").defaults("1.0"))
          .add("wavenumber",
               Schema::integer("n: whole periods of the forcing over the box in y; must be kept "
                               "by the dealiasing (3 n < cells in y with two_thirds)")
                   .min(1)
                   .defaults("4"))
          .defaults("{}"));
  Schema fno = Schema::map(
      "the forcing of the FNO Navier-Stokes benchmark (Li et al. 2021), f = amplitude "
      "(sin(2 pi (x + y)) + cos(2 pi (x + y))) in absolute coordinates, amplitude 0.1; the box "
      "lengths must be whole numbers (the unit box in the benchmark)");
  fno.add("parameters", Schema::map("Parameters of fno")
                            .add("amplitude", Schema::expression({}, "amplitude").defaults("0.1"))
                            .defaults("{}"));
  Schema expression = Schema::map(
      "vorticity forcing given as an expression of x, y and the study parameters, sampled at the "
      "cell centres and projected on the kept Fourier modes (its mean removed)");
  expression.add("parameters",
                 Schema::map("Parameters of expression")
                     .add("value", Schema::expression({"x", "y"}, "f(x, y)").required())
                     .required());
  return Schema::typed(
      {{"none", none}, {"kolmogorov", kolmogorov}, {"fno", fno}, {"expression", expression}},
      "time-independent forcing f of the vorticity equation");
}

Schema initial_condition_schema() {
  Schema grf = Schema::map(
      "Gaussian random vorticity with mean 0 and covariance tau^(2 alpha - 2) (-Laplacian + "
      "tau^2)^(-alpha): the generator of the FNO Navier-Stokes benchmark (alpha 2.5, tau 7 on the "
      "unit box). Drawn mode by mode from the simulation's seed, so every simulation differs and "
      "neither the rank count nor the resolution changes the field (beyond the kept modes)");
  grf.add(
      "parameters",
      Schema::map("Parameters of gaussian_random_field")
          .add("alpha", Schema::expression({}, "smoothness exponent alpha (> 1)").defaults("2.5"))
          .add("tau", Schema::expression({}, "inverse length scale tau (> 0)").defaults("7.0"))
          .defaults("{}"));
  Schema tg = Schema::map(
      "Taylor-Green vortex w = 2 A sin(k_x (x - lower_x)) sin(k_y (y - lower_y)), k = 2 pi / L "
      "(2 A sin x sin y on [0, 2 pi)^2, velocity amplitude A); an exact solution without "
      "forcing: it decays as exp(-(nu |k|^2 + drag) t)");
  tg.add("parameters", Schema::map("Parameters of taylor_green")
                           .add("amplitude", Schema::expression({}, "A").defaults("1.0"))
                           .defaults("{}"));
  Schema expression = Schema::map(
      "vorticity given as an expression of x, y and the study parameters, sampled at the cell "
      "centres and projected on the kept Fourier modes (its mean removed: a periodic velocity "
      "has no circulation)");
  expression.add(
      "parameters",
      Schema::map("Parameters of expression")
          .add("vorticity", Schema::expression({"x", "y"}, "w(x, y) at t = 0").required())
          .required());
  return Schema::typed(
      {{"gaussian_random_field", grf}, {"taylor_green", tg}, {"expression", expression}},
      "initial vorticity");
}

std::string text_of(const YAML::Node& node, const std::string& key, const char* fallback) {
  const YAML::Node v = node && node.IsMap() ? node[key] : YAML::Node();
  if (!v || v.IsNull()) return fallback;
  return v.as<std::string>();
}

// Evaluates an expression of the study parameters for `spec`. A value out of range is a
// SimulationFailure (a sampled value may be bad for some simulations only); check() turns it
// into an InputError for the first simulation.
double evaluate(const std::string& text, const SimulationSpec& spec, const std::string& where,
                bool positive, bool nonnegative) {
  const double v = Expression(text, spec.parameter_names, where)(spec.parameter_values);
  const bool ok = std::isfinite(v) && (!positive || v > 0.0) && (!nonnegative || v >= 0.0);
  if (!ok) {
    std::ostringstream m;
    m << where << ": '" << text << "' evaluates to " << v << " for simulation " << spec.id
      << "; expected a finite value"
      << (positive      ? " > 0"
          : nonnegative ? " >= 0"
                        : "");
    throw SimulationFailure(m.str());
  }
  return v;
}

// f(x, y) from an expression of x, y and the study parameters of `spec`.
PointFunction point_expression(const std::string& text, const SimulationSpec& spec,
                               const std::string& where) {
  std::vector<std::string> names{"x", "y"};
  names.insert(names.end(), spec.parameter_names.begin(), spec.parameter_names.end());
  struct Compiled {
    Expression e;
    std::vector<double> values;
  };
  auto c = std::make_shared<Compiled>(Compiled{Expression(text, names, where), {}});
  c->values.assign(names.size(), 0.0);
  std::copy(spec.parameter_values.begin(), spec.parameter_values.end(), c->values.begin() + 2);
  return [c](double x, double y) {
    c->values[0] = x;
    c->values[1] = y;
    return c->e(c->values);
  };
}

bool whole(double v) {
  return std::fabs(v - std::round(v)) <= 1e-12 * std::max(1.0, std::fabs(v)) && v >= 0.5;
}


}  // namespace

Schema schema() {
  Schema p = Schema::map("parameters of the 2D incompressible Navier-Stokes solver");
  add_grid_keys(p);
  p.add("nu", Schema::expression({},
                                 "kinematic viscosity nu >= 0; an expression of the study "
                                 "parameters, evaluated for each simulation")
                  .defaults("1.0e-3"));
  p.add("drag", Schema::expression({},
                                   "linear drag mu >= 0 (the term -mu w); an expression of the "
                                   "study parameters")
                    .defaults("0.0"));
  p.add("forcing", forcing_schema().defaults("{type: none}"));
  p.add("dealias",
        Schema::choice({"two_thirds", "none"},
                       "truncation of the advection term: 'two_thirds' keeps the modes with "
                       "3 |m| < cells per direction (Orszag), so products are alias-free; "
                       "'none' only removes the Nyquist modes")
            .defaults("two_thirds"));
  p.add("cfl", Schema::real("CFL number: dt = cfl / (max|u| / dx + max|v| / dy); IF-RK4 is "
                            "stable to about 1.3 with two_thirds, 0.9 without")
                   .min(0.0, true)
                   .max(1.3)
                   .defaults("0.5"));
  p.add("dt", Schema::real("fixed time step; 0 chooses the step from the CFL number")
                  .min(0.0)
                  .defaults("0.0"));
  p.add("dt_max", Schema::real("upper bound of the CFL step (e.g. for a flow starting at "
                               "rest); 0: none")
                      .min(0.0)
                      .defaults("0.0"));
  p.add("t_end", Schema::real("final time of every simulation").min(0.0, true).required());
  p.add("snapshot_fields",
        Schema::list(Schema::choice({"vorticity", "u", "v"}, "a field"),
                     "fields of every snapshot, in this order: vorticity w, velocity u, v")
            .length(1, 3)
            .defaults("[vorticity]"));
  p.add("snapshot_cells",
        Schema::list(Schema::integer("cells").min(2),
                     "grid of the snapshots [nx, ny] (even, at most cells): the solution's "
                     "Fourier modes that fit are kept, the others dropped; [] for the solve grid")
            .length(0, 2)
            .defaults("[]"));
  p.add("fftw_planner",
        Schema::choice({"estimate", "measure", "patient"},
                       "FFTW planner effort: 'measure' times candidate algorithms once per "
                       "solver (a second or so at 1024^2) for faster transforms")
            .defaults("measure"));

  Schema type = Schema::map(
      "2D incompressible Navier-Stokes in vorticity-streamfunction form on a periodic box: "
      "Fourier pseudo-spectral, 2/3 dealiasing, viscosity and drag by an integrating factor, "
      "RK4 (IF-RK4), FFTW-MPI slab decomposition; fields vorticity (u, v)");
  type.add("parameters", p.required());
  type.add("initial_condition", initial_condition_schema().required());
  return type;
}

NavierStokes2dOptions options_from_config(const YAML::Node& section) {
  NavierStokes2dOptions o;
  const std::string where = "solver.parameters";
  const YAML::Node p = section["parameters"];
  if (!p || !p.IsMap()) throw InputError(where + ": missing (a map is required)");
  o.grid = grid_from_config(p);
  if (o.grid.dim != 2)
    throw InputError(where + ".cells: navier_stokes2d needs a 2D grid (two entries), got " +
                     std::to_string(o.grid.dim));
  o.nu = text_of(p, "nu", "1e-3");
  o.drag = text_of(p, "drag", "0");
  o.dealias = value_or<std::string>(p, "dealias", "two_thirds") == "two_thirds";
  o.cfl = value_or<double>(p, "cfl", 0.5);
  o.fixed_dt = value_or<double>(p, "dt", 0.0);
  o.dt_max = value_or<double>(p, "dt_max", 0.0);
  if (!p["t_end"]) throw InputError(where + ".t_end: missing (required)");
  o.t_end = p["t_end"].as<double>();
  const std::string planner = value_or<std::string>(p, "fftw_planner", "measure");
  o.planner = planner == "estimate"  ? spectral::Planner::Estimate
              : planner == "patient" ? spectral::Planner::Patient
                                     : spectral::Planner::Measure;
  if (const YAML::Node f = p["snapshot_fields"]; f && f.IsSequence()) {
    o.fields.clear();
    for (const auto& item : f) {
      const std::string n = item.as<std::string>();
      if (n == "vorticity")
        o.fields.push_back(SnapshotField::Vorticity);
      else if (n == "u")
        o.fields.push_back(SnapshotField::U);
      else if (n == "v")
        o.fields.push_back(SnapshotField::V);
      else
        throw InputError(where + ".snapshot_fields: unknown field '" + n +
                         "', expected one of: vorticity, u, v");
    }
  }
  if (const YAML::Node c = p["snapshot_cells"]; c && c.IsSequence() && c.size() > 0) {
    if (c.size() != 2)
      throw InputError(where + ".snapshot_cells: needs two entries [nx, ny] (got " +
                       std::to_string(c.size()) + ")");
    o.snapshot_cells = {c[0].as<int>(), c[1].as<int>()};
  }
  check_options(o);

  const Grid grid = o.grid;
  // Forcing.
  const YAML::Node forcing = YAML::Clone(p["forcing"]);
  const std::string fw = where + ".forcing";
  const std::string ftype = forcing && forcing.IsMap() ? text_of(forcing, "type", "none") : "none";
  const YAML::Node fp = forcing && forcing.IsMap() ? forcing["parameters"] : YAML::Node();
  if (ftype == "kolmogorov") {
    const int n = fp ? value_or<int>(fp, "wavenumber", 4) : 4;
    const int ny = grid.cells[1];
    const bool kept = o.dealias ? spectral::kept_two_thirds(n, ny) : 2 * n < ny;
    if (n < 1 || !kept) {
      std::ostringstream m;
      m << fw << ".parameters.wavenumber: " << n << " is not among the Fourier modes kept on " << ny
        << " cells in y ("
        << (o.dealias ? "3 n < cells with two_thirds dealiasing" : "n < cells / 2") << ")";
      throw InputError(m.str());
    }
    const std::string amp = text_of(fp, "amplitude", "1.0");
    o.forcing = [amp, n, fw](const SimulationSpec& spec, const Grid& g) -> PointFunction {
      const double a = evaluate(amp, spec, fw + ".parameters.amplitude", false, false);
      const double k = kTwoPi * n / (g.upper[1] - g.lower[1]), y0 = g.lower[1];
      return [a, k, y0](double, double y) { return a * std::sin(k * (y - y0)); };
    };
  } else if (ftype == "fno") {
    for (int d = 0; d < 2; ++d) {
      const double length = grid.upper[d] - grid.lower[d];
      if (!whole(length)) {
        std::ostringstream m;
        m << where << ".upper: the fno forcing sin(2 pi (x + y)) + cos(2 pi (x + y)) is periodic "
          << "only on a box whose lengths are whole numbers; the length in " << (d ? "y" : "x")
          << " is " << length;
        throw InputError(m.str());
      }
    }
    const std::string amp = text_of(fp, "amplitude", "0.1");
    o.forcing = [amp, fw](const SimulationSpec& spec, const Grid&) -> PointFunction {
      const double a = evaluate(amp, spec, fw + ".parameters.amplitude", false, false);
      return [a](double x, double y) {
        const double s = kTwoPi * (x + y);
        return a * (std::sin(s) + std::cos(s));
      };
    };
  } else if (ftype == "expression") {
    const std::string text = text_of(fp, "value", "");
    if (text.empty()) throw InputError(fw + ".parameters.value: missing (required)");
    o.forcing = [text, fw](const SimulationSpec& spec, const Grid&) {
      return point_expression(text, spec, fw + ".parameters.value");
    };
  } else if (ftype != "none") {
    throw InputError(fw + ".type: unknown forcing '" + ftype +
                     "', expected one of: none, kolmogorov, fno, expression");
  }

  // Initial vorticity.
  const YAML::Node ic = YAML::Clone(section["initial_condition"]);
  const std::string iw = "solver.initial_condition";
  if (!ic || !ic.IsMap()) throw InputError(iw + ": missing (required)");
  const std::string itype = text_of(ic, "type", "");
  const YAML::Node ip = ic["parameters"];
  if (itype == "gaussian_random_field") {
    const std::string alpha = text_of(ip, "alpha", "2.5"), tau = text_of(ip, "tau", "7.0");
    o.initial_condition = [alpha, tau, iw](const SimulationSpec& spec, const Grid&) {
      InitialVorticity v;
      v.alpha = evaluate(alpha, spec, iw + ".parameters.alpha", false, false);
      if (!(v.alpha > 1.0)) {
        std::ostringstream m;
        m << iw << ".parameters.alpha: '" << alpha << "' evaluates to " << v.alpha
          << " for simulation " << spec.id << "; expected > 1 (finite variance in 2D)";
        throw SimulationFailure(m.str());
      }
      v.tau = evaluate(tau, spec, iw + ".parameters.tau", true, false);
      v.seed = spec.seed;
      return v;
    };
  } else if (itype == "taylor_green") {
    const std::string amp = text_of(ip, "amplitude", "1.0");
    o.initial_condition = [amp, iw](const SimulationSpec& spec, const Grid& g) {
      const double a = evaluate(amp, spec, iw + ".parameters.amplitude", false, false);
      const double kx = kTwoPi / (g.upper[0] - g.lower[0]), ky = kTwoPi / (g.upper[1] - g.lower[1]);
      const double x0 = g.lower[0], y0 = g.lower[1];
      InitialVorticity v;
      v.field = [=](double x, double y) {
        return 2.0 * a * std::sin(kx * (x - x0)) * std::sin(ky * (y - y0));
      };
      return v;
    };
  } else if (itype == "expression") {
    const std::string text = text_of(ip, "vorticity", "");
    if (text.empty()) throw InputError(iw + ".parameters.vorticity: missing (required)");
    o.initial_condition = [text, iw](const SimulationSpec& spec, const Grid&) {
      InitialVorticity v;
      v.field = point_expression(text, spec, iw + ".parameters.vorticity");
      return v;
    };
  } else {
    throw InputError(iw + ".type: unknown initial condition '" + itype +
                     "', expected one of: gaussian_random_field, taylor_green, expression");
  }
  return o;
}

std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section) {
  return std::make_unique<NavierStokes2dSolver>(group, options_from_config(solver_section));
}

void check(const YAML::Node& solver_section, const SimulationSpec& spec) {
  const NavierStokes2dOptions o = options_from_config(solver_section);
  // The values of the first simulation stand for all: a bad one is an input error here.
  try {
    evaluate(o.nu, spec, o.where + ".nu", false, true);
    evaluate(o.drag, spec, o.where + ".drag", false, true);
    if (o.forcing) o.forcing(spec, o.grid);
    o.initial_condition(spec, o.grid);
  } catch (const SimulationFailure& e) {
    throw InputError(e.what());
  }
}

}  // namespace surge::navier_stokes
