#include "solvers/nlse/nlse.hpp"

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/expression.hpp"
#include "core/random.hpp"
#include "grid/grid.hpp"
#include "solvers/config_values.hpp"

namespace surge::nlse {

using config::Schema;

namespace {

using solver_config::scalar_text;
using solver_config::evaluate;
using solver_config::value_or;

constexpr double kPi = 3.14159265358979323846;
// Domain-separation tags of the nlse initial conditions' draws from the simulation seed.
constexpr std::uint64_t kTagRandomSolitons = 0x6e6c7365736f6c01ULL;
constexpr std::uint64_t kTagPlaneWaveNoise = 0x6e6c73656e6f6902ULL;

Schema range(const std::string& doc, const std::string& fallback) {
  return Schema::list(Schema::real("bound"), doc + ": [low, high]").length(2, 2).defaults(fallback);
}

Schema initial_condition_schema() {
  Schema soliton =
      Schema::map("one soliton; each entry a number or an expression of the study parameters");
  soliton.add("amplitude", Schema::expression({}, "amplitude A (> 0)").required());
  soliton.add("position", Schema::expression({}, "centre x0 at t = 0").defaults("0.0"));
  soliton.add("velocity", Schema::expression({}, "velocity v").defaults("0.0"));
  soliton.add("phase", Schema::expression({}, "phase phi").defaults("0.0"));

  Schema solitons = Schema::map(
      "Sum of bright solitons A sech(kappa d) exp(i (v/beta (x0 + d) + phi)), kappa = "
      "A sqrt(sigma/beta), d = x - x0 taken to the nearest periodic image; each is the exact "
      "solution of the configured equation (focusing, sigma/beta > 0), moving at velocity v; "
      "for beta = sigma = 1 it is A sech(A (x - x0)) exp(i (v x + phi)). Functions of x alone "
      "(line solitons in 2D)");
  solitons.add(
      "parameters",
      Schema::map("Parameters of solitons")
          .add("solitons", Schema::list(soliton, "the solitons").length(1, 1000).required())
          .required());

  Schema random = Schema::map(
      "Randomised sets of solitons for ensembles (as `solitons`), drawn from the simulation's "
      "seed in a fixed order: the count, then per soliton amplitude, velocity, position and "
      "phase (uniform in [0, 2 pi)); the same on any number of ranks");
  random.add(
      "parameters",
      Schema::map("Parameters of random_solitons")
          .add("count", Schema::list(Schema::integer("count").min(1),
                                     "range [low, high] of the number of solitons")
                            .length(2, 2)
                            .defaults("[1, 3]"))
          .add("amplitude", range("range of the amplitudes (> 0)", "[0.5, 2.0]"))
          .add("velocity", range("range of the velocities", "[-1.0, 1.0]"))
          .add("position", Schema::list(Schema::real("bound"),
                                        "range [low, high] of the centres; empty: the whole domain")
                               .length(0, 2)
                               .defaults("[]"))
          .defaults("{}"));

  Schema plane_wave = Schema::map(
      "Plane wave a0 (1 + noise (xi_r + i xi_i)) with xi_r, xi_i uniform in [-1, 1) at each "
      "point, drawn from the simulation's seed and the point's global index (the same on any "
      "number of ranks): the seed of modulation instability (focusing)");
  plane_wave.add(
      "parameters",
      Schema::map("Parameters of plane_wave")
          .add("amplitude", Schema::expression({}, "a0").defaults("1.0"))
          .add("noise", Schema::expression({}, "relative noise level (>= 0)").defaults("1.0e-3"))
          .defaults("{}"));

  Schema gaussian = Schema::map(
      "Gaussian pulse A exp(-|x - c|^2 / (2 w^2)) exp(i (k . x + phi)), |x - c| to the "
      "nearest periodic image of the centre");
  gaussian.add("parameters",
               Schema::map("Parameters of gaussian")
                   .add("amplitude", Schema::expression({}, "A").defaults("1.0"))
                   .add("width", Schema::expression({}, "w (> 0)").defaults("1.0"))
                   .add("center", Schema::list(Schema::expression({}, "coordinate"),
                                               "centre c, one entry per direction")
                                      .length(1, 2)
                                      .defaults("[0.0, 0.0]"))
                   .add("wavenumber", Schema::list(Schema::expression({}, "component"),
                                                   "carrier wave vector k, one entry per direction")
                                          .length(1, 2)
                                          .defaults("[0.0, 0.0]"))
                   .add("phase", Schema::expression({}, "phi").defaults("0.0"))
                   .defaults("{}"));

  Schema expression = Schema::map(
      "psi given by expressions of x, y and the study parameters for its real and imaginary "
      "parts, sampled at the cell centres (y = 0 in 1D)");
  expression.add("parameters",
                 Schema::map("Parameters of expression")
                     .add("real", Schema::expression({"x", "y"}, "Re psi").required())
                     .add("imag", Schema::expression({"x", "y"}, "Im psi").defaults("0.0"))
                     .required());

  return Schema::typed({{"solitons", solitons},
                        {"random_solitons", random},
                        {"plane_wave", plane_wave},
                        {"gaussian", gaussian},
                        {"expression", expression}},
                       "initial field psi, sampled at the cell centres");
}


double evaluate_key(const YAML::Node& node, const std::string& key, const SimulationSpec& spec,
                    const std::string& where, const char* fallback) {
  return evaluate(scalar_text(node, key, where, fallback), spec, where + "." + key);
}

std::vector<double> read_list(const YAML::Node& node, const char* key,
                              std::vector<double> fallback) {
  const YAML::Node v = node ? node[key] : YAML::Node();
  if (!v || !v.IsSequence()) return fallback;
  std::vector<double> out;
  for (const auto& x : v) out.push_back(x.as<double>());
  return out;
}

// Distance from x0 to x along a periodic direction of length `length`, in [-length/2, length/2].
double periodic_offset(double x, double x0, double length) {
  const double d = x - x0;
  return d - length * std::round(d / length);
}

struct Soliton {
  double amplitude, position, velocity, phase;
};

// The sum of solitons; throws InputError (naming `where`) unless sigma / beta > 0 and every
// amplitude is positive.
ComplexField soliton_field(std::vector<Soliton> solitons, const Grid& grid, double beta,
                           double sigma, const std::string& where) {
  if (!(sigma / beta > 0.0)) {
    std::ostringstream m;
    m << where << ": solitons need a focusing equation, sigma / beta > 0 (beta = " << beta
      << ", sigma = " << sigma << ")";
    throw InputError(m.str());
  }
  for (std::size_t k = 0; k < solitons.size(); ++k) {
    if (!(solitons[k].amplitude > 0.0) || !std::isfinite(solitons[k].amplitude)) {
      std::ostringstream m;
      m << where << "[" << k << "].amplitude: " << solitons[k].amplitude << " is not > 0";
      throw InputError(m.str());
    }
  }
  const double scale = std::sqrt(sigma / beta), length = grid.upper[0] - grid.lower[0];
  return [solitons, scale, beta, length](double x, double) {
    std::complex<double> sum = 0.0;
    for (const Soliton& s : solitons) {
      const double d = periodic_offset(x, s.position, length);
      const double envelope = s.amplitude / std::cosh(s.amplitude * scale * d);
      sum += std::polar(envelope, s.velocity / beta * (s.position + d) + s.phase);
    }
    return sum;
  };
}

// Compiles the configured initial condition for one simulation.
ComplexField make_field(const YAML::Node& section, const SimulationSpec& spec, const Grid& grid,
                        double beta, double sigma) {
  const std::string where = "solver.initial_condition";
  const std::string type = scalar_text(section, "type", where);
  const YAML::Node p = section["parameters"];
  const std::string pw = where + ".parameters";
  if (type == "solitons") {
    const YAML::Node list = p ? p["solitons"] : YAML::Node();
    if (!list || !list.IsSequence() || list.size() == 0)
      throw InputError(pw + ".solitons: missing (a list of at least one soliton is required)");
    std::vector<Soliton> solitons;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const std::string sw = pw + ".solitons[" + std::to_string(k) + "]";
      solitons.push_back({evaluate_key(list[k], "amplitude", spec, sw, nullptr),
                          evaluate_key(list[k], "position", spec, sw, "0"),
                          evaluate_key(list[k], "velocity", spec, sw, "0"),
                          evaluate_key(list[k], "phase", spec, sw, "0")});
    }
    return soliton_field(std::move(solitons), grid, beta, sigma, pw + ".solitons");
  }
  if (type == "random_solitons") {
    const std::vector<double> count = read_list(p, "count", {1, 3});
    const std::vector<double> amp = read_list(p, "amplitude", {0.5, 2.0});
    const std::vector<double> vel = read_list(p, "velocity", {-1.0, 1.0});
    std::vector<double> pos = read_list(p, "position", {});
    if (pos.empty()) pos = {grid.lower[0], grid.upper[0]};
    auto check_range = [&](const std::vector<double>& r, const char* key, bool positive) {
      if (r.size() != 2 || !(r[0] <= r[1]) || (positive && !(r[0] > 0.0))) {
        std::ostringstream m;
        m << pw << "." << key << ": expected [low, high] with low <= high"
          << (positive ? " and low > 0" : "");
        if (r.size() == 2) m << " (got [" << r[0] << ", " << r[1] << "])";
        throw InputError(m.str());
      }
    };
    check_range(count, "count", true);
    check_range(amp, "amplitude", true);
    check_range(vel, "velocity", false);
    check_range(pos, "position", false);
    rng::SplitMix64 draw(rng::hash2(spec.seed, kTagRandomSolitons));
    const long long n =
        draw.between(static_cast<long long>(count[0]), static_cast<long long>(count[1]));
    std::vector<Soliton> solitons;
    for (long long k = 0; k < n; ++k) {
      Soliton s{};
      s.amplitude = amp[0] + (amp[1] - amp[0]) * draw.uniform();
      s.velocity = vel[0] + (vel[1] - vel[0]) * draw.uniform();
      s.position = pos[0] + (pos[1] - pos[0]) * draw.uniform();
      s.phase = 2 * kPi * draw.uniform();
      solitons.push_back(s);
    }
    return soliton_field(std::move(solitons), grid, beta, sigma, pw + ".solitons");
  }
  if (type == "plane_wave") {
    const double a0 = evaluate_key(p, "amplitude", spec, pw, "1");
    const double noise = evaluate_key(p, "noise", spec, pw, "1e-3");
    if (!(noise >= 0.0) || !std::isfinite(noise))
      throw InputError(pw + ".noise: " + std::to_string(noise) + " is not >= 0");
    const std::uint64_t base = rng::hash2(spec.seed, kTagPlaneWaveNoise);
    // The field is called with cell centres; the global index makes the noise independent of
    // the decomposition.
    return [a0, noise, base, grid](double x, double y) {
      const long long i = std::llround((x - grid.lower[0]) / grid.spacing(0) - 0.5);
      const long long j =
          grid.dim > 1 ? std::llround((y - grid.lower[1]) / grid.spacing(1) - 0.5) : 0;
      rng::SplitMix64 draw(rng::hash2(base, static_cast<std::uint64_t>(j * grid.cells[0] + i)));
      const double xr = 2 * draw.uniform() - 1, xi = 2 * draw.uniform() - 1;
      return a0 * std::complex<double>(1.0 + noise * xr, noise * xi);
    };
  }
  if (type == "gaussian") {
    const double amplitude = evaluate_key(p, "amplitude", spec, pw, "1");
    const double width = evaluate_key(p, "width", spec, pw, "1");
    const double phase = evaluate_key(p, "phase", spec, pw, "0");
    if (!(width > 0.0)) throw InputError(pw + ".width: " + std::to_string(width) + " is not > 0");
    double center[2] = {0, 0}, k[2] = {0, 0};
    for (const char* key : {"center", "wavenumber"}) {
      const YAML::Node list = p ? p[key] : YAML::Node();
      if (!list || !list.IsSequence()) continue;
      if (static_cast<int>(list.size()) < grid.dim)
        throw InputError(pw + "." + key + ": needs one entry per direction (" +
                         std::to_string(grid.dim) + ")");
      for (int d = 0; d < grid.dim; ++d) {
        const std::string kw = pw + "." + key + "[" + std::to_string(d) + "]";
        (key[0] == 'c' ? center : k)[d] = evaluate(list[d].as<std::string>(), spec, kw);
      }
    }
    const double lx = grid.upper[0] - grid.lower[0], ly = grid.upper[1] - grid.lower[1];
    const bool two_d = grid.dim > 1;
    return [=](double x, double y) {
      const double dx = periodic_offset(x, center[0], lx);
      const double dy = two_d ? periodic_offset(y, center[1], ly) : 0.0;
      const double envelope = amplitude * std::exp(-(dx * dx + dy * dy) / (2 * width * width));
      return std::polar(envelope, k[0] * x + (two_d ? k[1] * y : 0.0) + phase);
    };
  }
  if (type == "expression") {
    std::vector<std::string> names{"x", "y"};
    names.insert(names.end(), spec.parameter_names.begin(), spec.parameter_names.end());
    struct Compiled {
      Expression re, im;
      std::vector<double> values;
    };
    auto c = std::make_shared<Compiled>(
        Compiled{Expression(scalar_text(p, "real", pw), names, pw + ".real"),
                 Expression(scalar_text(p, "imag", pw, "0"), names, pw + ".imag"),
                 std::vector<double>(names.size(), 0.0)});
    std::copy(spec.parameter_values.begin(), spec.parameter_values.end(), c->values.begin() + 2);
    return [c](double x, double y) {
      c->values[0] = x;
      c->values[1] = y;
      return std::complex<double>(c->re(c->values), c->im(c->values));
    };
  }
  throw InputError(where + ".type: unknown initial condition '" + type + "'");
}


}  // namespace

Schema schema() {
  Schema p = Schema::map("parameters of the nonlinear Schroedinger solver");
  add_grid_keys(p);
  p.add("beta", Schema::expression({},
                                   "dispersion coefficient beta (!= 0) of (beta/2) "
                                   "Laplacian(psi); an expression of the study parameters")
                    .defaults("1.0"));
  p.add("sigma", Schema::expression({},
                                    "nonlinear coefficient sigma of sigma |psi|^2 psi: > 0 "
                                    "focusing, < 0 defocusing; an expression of the study "
                                    "parameters")
                     .defaults("1.0"));
  p.add("integrator",
        Schema::choice({"strang", "split_step4", "dormand_prince"},
                       "time integrator: 'strang' (split-step, order 2), 'split_step4' "
                       "(split-step composition of order 4, see composition) or "
                       "'dormand_prince' (adaptive embedded Runge-Kutta 5(4) in the interaction "
                       "picture, error control by rtol/atol)")
            .defaults("split_step4"));
  p.add("composition",
        Schema::choice({"blanes_moan", "yoshida"},
                       "split_step4 only: Blanes & Moan's (2002) six-stage composition (smaller "
                       "error, 6 transform pairs per step) or Yoshida's (1990) triple jump (3 "
                       "pairs per step)")
            .defaults("blanes_moan"));
  p.add("dt", Schema::real("split-step schemes: the fixed step (required, > 0; the last step "
                           "before a snapshot or t_end is shortened to land on it); "
                           "dormand_prince: the first step (0: chosen automatically)")
                  .min(0.0)
                  .defaults("0.0"));
  p.add("rtol",
        Schema::real("dormand_prince: relative tolerance").min(0.0, true).defaults("1.0e-6"));
  p.add("atol", Schema::real("dormand_prince: absolute tolerance").min(0.0).defaults("1.0e-8"));
  p.add("dealiasing",
        Schema::choice({"none", "two_thirds", "exponential"},
                       "applied to the spectrum once per step (split-step: within the last "
                       "linear substep) and to the initial condition: 'none', 'two_thirds' "
                       "(Orszag's rule, |m| <= n/3 kept, Nyquist removed) or 'exponential' "
                       "(filter exp(-alpha (|m|/(n/2))^order), per direction)")
            .defaults("none"));
  p.add("filter", Schema::map("exponential filter (dealiasing: exponential)")
                      .add("alpha", Schema::real("strength alpha").min(0.0, true).defaults("36.0"))
                      .add("order", Schema::integer("order (even)").min(2).defaults("36"))
                      .defaults("{}"));
  p.add("fields", Schema::choice({"re_im", "amplitude_phase"},
                                 "snapshot channels: 're_im' (Re psi, Im psi; fields re, im) or "
                                 "'amplitude_phase' (|psi|, arg psi in (-pi, pi]; fields "
                                 "amplitude, phase)")
                      .defaults("re_im"));
  p.add("fft_planning", Schema::choice({"measure", "estimate"},
                                       "FFTW planner effort: 'measure' (times candidate plans "
                                       "at start-up; faster steps) or 'estimate'")
                            .defaults("measure"));
  p.add("t_end", Schema::real("final time of every simulation").min(0.0, true).required());

  Schema type = Schema::map(
      "nonlinear Schroedinger equation i psi_t + (beta/2) Laplacian(psi) + sigma |psi|^2 psi = 0 "
      "on a periodic box, Fourier pseudo-spectral (FFTW, FFTW-MPI slabs), split-step or "
      "adaptive interaction-picture Dormand-Prince; fields re, im (or amplitude, phase)");
  type.add("parameters", p.required());
  type.add("initial_condition", initial_condition_schema().required());
  return type;
}

NlseOptions options_from_config(const YAML::Node& section) {
  NlseOptions o;
  const YAML::Node p = section["parameters"];
  if (!p || !p.IsMap()) throw InputError("solver.parameters: missing (a map is required)");
  o.grid = grid_from_config(p);
  o.beta = value_or<std::string>(p, "beta", "1");
  o.sigma = value_or<std::string>(p, "sigma", "1");
  const std::string integrator = value_or<std::string>(p, "integrator", "split_step4");
  if (integrator == "strang")
    o.integrator = Integrator::Strang;
  else if (integrator == "split_step4")
    o.integrator = Integrator::SplitStep4;
  else if (integrator == "dormand_prince")
    o.integrator = Integrator::DormandPrince;
  else
    throw InputError("solver.parameters.integrator: '" + integrator +
                     "' is not one of strang, split_step4, dormand_prince");
  o.composition = value_or<std::string>(p, "composition", "blanes_moan") == "yoshida"
                      ? Composition::Yoshida
                      : Composition::BlanesMoan;
  o.dt = value_or<double>(p, "dt", 0.0);
  o.rtol = value_or<double>(p, "rtol", 1e-6);
  o.atol = value_or<double>(p, "atol", 1e-8);
  const std::string dealiasing = value_or<std::string>(p, "dealiasing", "none");
  o.dealiasing = dealiasing == "two_thirds"    ? Dealiasing::TwoThirds
                 : dealiasing == "exponential" ? Dealiasing::Exponential
                                               : Dealiasing::None;
  const YAML::Node filter = p["filter"];
  o.filter_alpha = filter ? value_or<double>(filter, "alpha", 36.0) : 36.0;
  o.filter_order = filter ? value_or<int>(filter, "order", 36) : 36;
  o.channels = value_or<std::string>(p, "fields", "re_im") == "amplitude_phase"
                   ? Channels::AmplitudePhase
                   : Channels::ReIm;
  o.measure_plans = value_or<std::string>(p, "fft_planning", "measure") == "measure";
  if (!p["t_end"]) throw InputError("solver.parameters.t_end: missing (required)");
  o.t_end = p["t_end"].as<double>();

  // What depends on several keys, refused here before any simulation starts.
  if (o.integrator != Integrator::DormandPrince && !(o.dt > 0.0))
    throw InputError("solver.parameters.dt: the split-step integrator '" + integrator +
                     "' needs a fixed step dt > 0 (got " + std::to_string(o.dt) + ")");
  if (o.dt > o.t_end) {
    std::ostringstream m;
    m << "solver.parameters.dt: " << o.dt << " exceeds t_end = " << o.t_end;
    throw InputError(m.str());
  }
  if (o.dealiasing == Dealiasing::Exponential && o.filter_order % 2 != 0)
    throw InputError("solver.parameters.filter.order: " + std::to_string(o.filter_order) +
                     " is odd; the exponential filter needs an even order");
  if (!(o.filter_alpha > 0.0)) throw InputError("solver.parameters.filter.alpha: must be > 0");

  const YAML::Node ic = YAML::Clone(section["initial_condition"]);
  if (!ic || !ic.IsMap()) throw InputError("solver.initial_condition: missing (required)");
  o.initial_condition = [ic](const SimulationSpec& spec, const Grid& grid, double beta,
                             double sigma) { return make_field(ic, spec, grid, beta, sigma); };
  return o;
}

std::unique_ptr<Solver> create(const Comm& group, const YAML::Node& solver_section) {
  return std::make_unique<NlseSolver>(group, options_from_config(solver_section));
}

void check(const YAML::Node& solver_section, const SimulationSpec& spec) {
  const NlseOptions o = options_from_config(solver_section);
  const double beta = evaluate(o.beta, spec, "solver.parameters.beta");
  const double sigma = evaluate(o.sigma, spec, "solver.parameters.sigma");
  if (!std::isfinite(beta) || beta == 0.0) {
    std::ostringstream m;
    m << "solver.parameters.beta: '" << o.beta << "' evaluates to " << beta
      << " for the first simulation; beta must be finite and nonzero";
    throw InputError(m.str());
  }
  if (!std::isfinite(sigma)) {
    std::ostringstream m;
    m << "solver.parameters.sigma: '" << o.sigma << "' evaluates to " << sigma
      << " for the first simulation; sigma must be finite";
    throw InputError(m.str());
  }
  const ComplexField field = o.initial_condition(spec, o.grid, beta, sigma);
  // Every value at the cell centres must be finite (an expression may divide by zero).
  const int ny = o.grid.dim > 1 ? o.grid.cells[1] : 1;
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < o.grid.cells[0]; ++i) {
      const double x = o.grid.center(0, i), y = o.grid.dim > 1 ? o.grid.center(1, j) : 0.0;
      const std::complex<double> v = field(x, y);
      if (!std::isfinite(v.real()) || !std::isfinite(v.imag())) {
        std::ostringstream m;
        m << "solver.initial_condition: psi is not finite at x = " << x;
        if (o.grid.dim > 1) m << ", y = " << y;
        m << " for the first simulation";
        throw InputError(m.str());
      }
    }
  }
}

}  // namespace surge::nlse
