#include "study/study.hpp"

#include <gsl/gsl_qrng.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "core/error.hpp"
#include "core/random.hpp"

namespace surge {

namespace {

using rng::hash2;
using rng::SplitMix64;

enum class Distribution { Uniform, LogUniform, Choice, Constant };

struct Parameter {
  std::string name;
  Distribution distribution = Distribution::Constant;
  double low = 0, high = 0;    // uniform, log_uniform
  std::vector<double> values;  // choice
  double value = 0;            // constant

  // Maps a unit-cube coordinate u in [0, 1) to this parameter's value.
  double map(double u) const {
    switch (distribution) {
      case Distribution::Uniform:
        return std::min(low + u * (high - low), high);
      case Distribution::LogUniform: {
        const double lo = std::log(low), hi = std::log(high);
        return std::clamp(std::exp(lo + u * (hi - lo)), low, high);
      }
      case Distribution::Choice: {
        const auto n = values.size();
        const auto index = static_cast<std::size_t>(std::floor(u * static_cast<double>(n)));
        return values[std::min(index, n - 1)];
      }
      case Distribution::Constant:
        return value;
    }
    return value;
  }
};

const char* distribution_keys(Distribution d) {
  switch (d) {
    case Distribution::Uniform:
    case Distribution::LogUniform:
      return "low, high";
    case Distribution::Choice:
      return "values";
    case Distribution::Constant:
      return "value";
  }
  return "";
}

bool takes(Distribution d, const std::string& key) {
  switch (d) {
    case Distribution::Uniform:
    case Distribution::LogUniform:
      return key == "low" || key == "high";
    case Distribution::Choice:
      return key == "values";
    case Distribution::Constant:
      return key == "value";
  }
  return false;
}

std::string text_of(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

double read_real(const YAML::Node& node, const std::string& path) {
  double v = 0;
  try {
    v = node.as<double>();
  } catch (const YAML::Exception&) {
    throw InputError(path + ": '" + text_of(node) + "' is not a real number");
  }
  if (!std::isfinite(v)) throw InputError(path + ": " + text_of(node) + " is not a finite number");
  return v;
}

// The names muParser accepts as variables, minus the ones surge's expressions bind themselves.
void check_name(const std::string& name, const std::string& path) {
  const bool identifier =
      !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
      std::all_of(name.begin(), name.end(),
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  if (!identifier)
    throw InputError(path + ": '" + name +
                     "' is not a valid parameter name (expected letters, digits and '_', "
                     "starting with a letter or '_', so expressions can use it)");
  for (const char* reserved : {"x", "y", "z", "t", "pi"})
    if (name == reserved)
      throw InputError(path + ": '" + name +
                       "' is reserved for expressions (x, y, z, t and pi); choose another name");
}

Parameter parse_parameter(const std::string& name, const YAML::Node& node,
                          const std::string& path) {
  Parameter p;
  p.name = name;
  if (!node.IsMap() || !node["distribution"])
    throw InputError(path +
                     ": expected a map {distribution: uniform | log_uniform | choice | "
                     "constant, ...}, got '" +
                     text_of(node) + "'");
  const std::string distribution = node["distribution"].as<std::string>();
  if (distribution == "uniform") {
    p.distribution = Distribution::Uniform;
  } else if (distribution == "log_uniform") {
    p.distribution = Distribution::LogUniform;
  } else if (distribution == "choice") {
    p.distribution = Distribution::Choice;
  } else if (distribution == "constant") {
    p.distribution = Distribution::Constant;
  } else {
    throw InputError(path + ".distribution: unknown distribution '" + distribution +
                     "'; expected one of uniform, log_uniform, choice, constant");
  }

  // Keys of another distribution are mistakes (a forgotten edit), not something to ignore.
  const std::string keys = distribution_keys(p.distribution);
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (key == "distribution" || entry.second.IsNull()) continue;
    if (!takes(p.distribution, key))
      throw InputError(path + "." + key + ": not used by distribution " + distribution +
                       " (it takes " + keys + ")");
  }
  auto require = [&](const char* key) {
    if (!node[key] || node[key].IsNull())
      throw InputError(path + "." + key + ": missing; distribution " + distribution + " takes " +
                       keys);
    return node[key];
  };

  switch (p.distribution) {
    case Distribution::Uniform:
    case Distribution::LogUniform: {
      p.low = read_real(require("low"), path + ".low");
      p.high = read_real(require("high"), path + ".high");
      if (p.distribution == Distribution::LogUniform && !(p.low > 0))
        throw InputError(path + ".low: " + text_of(node["low"]) +
                         " is not positive; log_uniform needs 0 < low < high");
      if (!(p.low < p.high))
        throw InputError(path + ".low: " + text_of(node["low"]) + " is not below high (" +
                         text_of(node["high"]) + "); " + distribution + " needs low < high");
      break;
    }
    case Distribution::Choice: {
      const YAML::Node values = require("values");
      if (!values.IsSequence())
        throw InputError(path + ".values: '" + text_of(values) + "' is not a list of numbers");
      if (values.size() == 0)
        throw InputError(path + ".values: the list is empty; choice needs at least one value");
      for (std::size_t i = 0; i < values.size(); ++i)
        p.values.push_back(read_real(values[i], path + ".values[" + std::to_string(i) + "]"));
      break;
    }
    case Distribution::Constant:
      p.value = read_real(require("value"), path + ".value");
      break;
  }
  return p;
}

std::uint64_t read_seed(const YAML::Node& node) {
  if (!node || node.IsNull()) return 0;
  try {
    const long long v = node.as<long long>();
    if (v < 0)
      throw InputError("study.seed: " + text_of(node) + " is negative; expected an integer >= 0");
    return static_cast<std::uint64_t>(v);
  } catch (const YAML::Exception&) {
  }
  try {
    return node.as<std::uint64_t>();  // above 2^63
  } catch (const YAML::Exception&) {
    throw InputError("study.seed: '" + text_of(node) + "' is not an integer >= 0");
  }
}

// Unit-cube coordinates [simulation][dimension] of each sampler.

std::vector<std::vector<double>> sample_random(std::uint64_t seed, int n, int dims) {
  std::vector<std::vector<double>> u(n, std::vector<double>(dims));
  const std::uint64_t stream = hash2(seed, rng::kTagRandomSampler);
  for (int i = 0; i < n; ++i) {
    SplitMix64 rng(hash2(stream, static_cast<std::uint64_t>(i)));
    for (int d = 0; d < dims; ++d) u[i][d] = rng.uniform();
  }
  return u;
}

std::vector<std::vector<double>> sample_latin_hypercube(std::uint64_t seed, int n, int dims) {
  std::vector<std::vector<double>> u(n, std::vector<double>(dims));
  SplitMix64 rng(hash2(seed, rng::kTagLatinHypercube));
  const double below_one = std::nextafter(1.0, 0.0);
  std::vector<int> stratum(n);
  for (int d = 0; d < dims; ++d) {
    std::iota(stratum.begin(), stratum.end(), 0);
    for (int j = n - 1; j > 0; --j)
      std::swap(stratum[j], stratum[rng.below(static_cast<std::uint64_t>(j) + 1)]);
    for (int i = 0; i < n; ++i) u[i][d] = std::min((stratum[i] + rng.uniform()) / n, below_one);
  }
  return u;
}

std::vector<std::vector<double>> sample_quasi_random(const gsl_qrng_type* type,
                                                     const std::string& sampler, int n, int dims,
                                                     const std::vector<std::string>& names) {
  std::vector<std::vector<double>> u(n, std::vector<double>(dims));
  if (dims == 0) return u;
  if (static_cast<unsigned>(dims) > type->max_dimension) {
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    throw InputError("study.sampler: " + sampler + " supports at most " +
                     std::to_string(type->max_dimension) +
                     " non-constant parameters; the study has " + std::to_string(dims) + " (" +
                     list + "); use random or latin_hypercube");
  }
  std::unique_ptr<gsl_qrng, void (*)(gsl_qrng*)> q(gsl_qrng_alloc(type, dims), gsl_qrng_free);
  if (!q) throw std::bad_alloc();
  for (int i = 0; i < n; ++i) gsl_qrng_get(q.get(), u[i].data());
  return u;
}

}  // namespace

config::Schema study_schema() {
  using config::Schema;
  Schema parameter =
      Schema::map("A study parameter: its distribution and the values that define it");
  parameter
      .add("distribution",
           Schema::choice(
               {"uniform", "log_uniform", "choice", "constant"},
               "uniform: uniform in [low, high); log_uniform: log uniform in [low, high), "
               "0 < low; choice: one of values, equally likely; constant: value")
               .required())
      .add("low", Schema::real("Lower bound (uniform, log_uniform)"))
      .add("high", Schema::real("Upper bound (uniform, log_uniform)"))
      .add("values", Schema::list(Schema::real("A possible value"), "Values (choice)")
                         .length(1, std::numeric_limits<std::size_t>::max()))
      .add("value", Schema::real("The value (constant)"));

  Schema study = Schema::map(
      "The ensemble: how many simulations, which parameters, sampled how, from which seed");
  study
      .add("simulations",
           Schema::integer("Number of simulations in the ensemble").min(1).required())
      .add("seed",
           Schema::integer("Seed of every random draw of the study (sampler and initial "
                           "conditions); the same seed gives the same ensemble on any machine")
               .min(0)
               .defaults("0"))
      .add("sampler",
           Schema::choice({"random", "latin_hypercube", "sobol", "halton"},
                          "How parameter values are drawn: random (independent per simulation), "
                          "latin_hypercube (each of N strata once per parameter), sobol, halton "
                          "(quasi-random, point i for simulation i; at most 40 resp. 1229 "
                          "non-constant parameters)")
               .defaults("random"))
      .add("parameters", Schema::dict(parameter,
                                      "Parameters by name, in declaration order (usable in "
                                      "expressions)")
                             .defaults("{}"));
  study.add(
      "validation",
      Schema::map("Held-out simulations for validation (surge run): drawn from the same "
                  "parameter distributions with their own seed and sampler, streamed before the "
                  "training simulations and never put in the training buffer")
          .add("simulations", Schema::integer("Number of held-out simulations (0: no validation)")
                                  .min(0)
                                  .defaults("0"))
          .add("seed", Schema::integer("Seed of the held-out simulations; must differ from "
                                       "study.seed, or their initial conditions would repeat "
                                       "those of the training simulations")
                           .min(0)
                           .defaults("1"))
          .add("sampler", Schema::choice({"random", "latin_hypercube", "sobol", "halton"},
                                         "How their parameters are drawn (see study.sampler)")
                              .defaults("random")));
  return study;
}

std::optional<Study> validation_study(const YAML::Node& study) {
  const YAML::Node v = study["validation"];
  if (!v || !v["simulations"] || v["simulations"].as<long long>() == 0) return std::nullopt;
  if (read_seed(v["seed"]) == read_seed(study["seed"]))
    throw InputError("study.validation.seed: " + text_of(v["seed"]) +
                     " equals study.seed; the held-out simulations would repeat the initial "
                     "conditions of the training simulations: choose another seed");
  YAML::Node held_out = YAML::Clone(study);
  held_out.remove("validation");
  held_out["simulations"] = v["simulations"];
  held_out["seed"] = v["seed"];
  held_out["sampler"] = v["sampler"];
  try {
    return Study(held_out);
  } catch (const InputError& e) {
    throw InputError(std::string("study.validation: ") + e.what());
  }
}

Study::Study(const YAML::Node& study) {
  if (!study || !study.IsMap()) throw InputError("study: expected a map with key simulations");
  const YAML::Node simulations = study["simulations"];
  if (!simulations) throw InputError("study.simulations: missing; expected an integer >= 1");
  long long n = 0;
  try {
    n = simulations.as<long long>();
  } catch (const YAML::Exception&) {
    throw InputError("study.simulations: '" + text_of(simulations) + "' is not an integer >= 1");
  }
  if (n < 1 || n > std::numeric_limits<int>::max())
    throw InputError("study.simulations: " + text_of(simulations) +
                     " is out of range; expected an integer in [1, " +
                     std::to_string(std::numeric_limits<int>::max()) + "]");
  simulations_ = static_cast<int>(n);
  seed_ = read_seed(study["seed"]);
  const std::string sampler =
      study["sampler"] ? study["sampler"].as<std::string>() : std::string("random");

  std::vector<Parameter> parameters;
  const YAML::Node declared = study["parameters"];
  if (declared && !declared.IsNull()) {
    if (!declared.IsMap())
      throw InputError("study.parameters: expected a map NAME: {distribution: ...}, got '" +
                       text_of(declared) + "'");
    for (const auto& entry : declared) {
      const std::string name = entry.first.as<std::string>();
      const std::string path = "study.parameters." + name;
      check_name(name, path);
      parameters.push_back(parse_parameter(name, entry.second, path));
      names_.push_back(name);
    }
  }

  // Constant parameters consume no dimension of the unit cube, so adding one does not change
  // the values drawn for the others.
  std::vector<std::size_t> varying;
  std::vector<std::string> varying_names;
  for (std::size_t p = 0; p < parameters.size(); ++p) {
    if (parameters[p].distribution == Distribution::Constant) continue;
    varying.push_back(p);
    varying_names.push_back(parameters[p].name);
  }
  const int dims = static_cast<int>(varying.size());

  std::vector<std::vector<double>> u;
  if (sampler == "random") {
    u = sample_random(seed_, simulations_, dims);
  } else if (sampler == "latin_hypercube") {
    u = sample_latin_hypercube(seed_, simulations_, dims);
  } else if (sampler == "sobol") {
    u = sample_quasi_random(gsl_qrng_sobol, sampler, simulations_, dims, varying_names);
  } else if (sampler == "halton") {
    u = sample_quasi_random(gsl_qrng_halton, sampler, simulations_, dims, varying_names);
  } else {
    throw InputError("study.sampler: unknown sampler '" + sampler +
                     "'; expected one of random, latin_hypercube, sobol, halton");
  }

  values_.assign(simulations_, std::vector<double>(parameters.size()));
  for (int i = 0; i < simulations_; ++i) {
    int d = 0;
    for (std::size_t p = 0; p < parameters.size(); ++p)
      values_[i][p] = parameters[p].distribution == Distribution::Constant
                          ? parameters[p].value
                          : parameters[p].map(u[i][d++]);
  }
}

SimulationSpec Study::spec(int id) const {
  if (id < 0 || id >= simulations_)
    throw std::out_of_range("Study::spec: simulation " + std::to_string(id) + " is outside [0, " +
                            std::to_string(simulations_) + ")");
  SimulationSpec s;
  s.id = id;
  s.parameter_names = names_;
  s.parameter_values = values_[id];
  s.seed = hash2(hash2(seed_, rng::kTagSimulationSeed), static_cast<std::uint64_t>(id));
  return s;
}

std::vector<int> shard_simulations(int simulations, int index, int count) {
  const std::string shard = "--shard " + std::to_string(index) + "/" + std::to_string(count);
  if (count < 1 || index < 0 || index >= count)
    throw InputError(shard + ": needs 0 <= i < n (shard i of n, numbered from 0)");
  if (count > simulations)
    throw InputError(shard + ": the study has " + std::to_string(simulations) +
                     " simulation(s), fewer than the " + std::to_string(count) +
                     " shards; every shard needs at least one (study.simulations)");
  const long long first = 1LL * index * simulations / count;
  const long long last = 1LL * (index + 1) * simulations / count;
  std::vector<int> ids;
  for (long long id = first; id < last; ++id) ids.push_back(static_cast<int>(id));
  return ids;
}

}  // namespace surge
