#pragma once
// Reading a resolved `solver:` section: what every solver's config code needs, in one place.
// Not collective; errors are InputError naming the key.
#include <yaml-cpp/yaml.h>

#include <string>

#include "core/error.hpp"
#include "core/expression.hpp"
#include "study/simulation.hpp"

namespace surge::solver_config {

// `node[key]` as text (an expression, a name), `fallback` when absent (InputError naming
// where.key when there is no fallback).
inline std::string scalar_text(const YAML::Node& node, const std::string& key,
                               const std::string& where, const char* fallback = nullptr) {
  const YAML::Node v = node ? node[key] : YAML::Node();
  if (!v || v.IsNull()) {
    if (fallback) return fallback;
    throw InputError(where + "." + key + ": missing (required)");
  }
  return v.as<std::string>();
}

// The value of an expression of the study parameters for the simulation `spec`.
inline double evaluate(const std::string& text, const SimulationSpec& spec,
                       const std::string& where) {
  const Expression e(text, spec.parameter_names, where);
  return e(spec.parameter_values);
}

// `node[key]` as T, `fallback` when absent or null.
template <class T>
T value_or(const YAML::Node& node, const char* key, T fallback) {
  const YAML::Node v = node[key];
  return v && !v.IsNull() ? v.as<T>() : fallback;
}

}  // namespace surge::solver_config
