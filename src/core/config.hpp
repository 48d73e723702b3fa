#pragma once
// Reading a configuration file: YAML text -> command-line overrides -> schema resolution.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "core/schema.hpp"

namespace surge::config {

// Reads `file`, applies `overrides` ("a.b.c=value", value written in YAML, e.g.
// "solver.parameters.cells=[256]") and resolves the result against `schema`. Returns the
// resolved tree (defaults filled in). Throws InputError naming the file, line and column (or the
// override) of every problem. Not collective.
YAML::Node load(const std::string& file, const std::vector<std::string>& overrides,
                const Schema& schema);

// Resolves YAML text that is already in memory (`name` is used in messages).
YAML::Node load_text(const std::string& text, const std::string& name,
                     const std::vector<std::string>& overrides, const Schema& schema);

// Block-style YAML text of a tree (what `surge validate` prints and outputs store).
std::string emit(const YAML::Node& node);

}  // namespace surge::config
