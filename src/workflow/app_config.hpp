#pragma once
// The whole configuration: every module's section, assembled in one place.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "core/schema.hpp"
#include "parallel/comm.hpp"

namespace surge {

// `output:` (how often snapshots are taken; where `surge simulate` and `surge run` write).
config::Schema output_schema();
// `progress:` (how often rank 0 reports).
config::Schema progress_schema();
// The root schema: layout, study, solver, output, progress, stream, training.
config::Schema root_schema();

// Not collective: the checks of a resolved configuration that go beyond its schema (study
// distributions, grid, initial-condition expressions and files). Throws InputError.
void check_inputs(const YAML::Node& config);

// Collective over `world`: rank 0 reads and resolves the file with the overrides and
// broadcasts the resolved text (after check_inputs); every rank returns the same tree, or every
// rank throws the same InputError.
YAML::Node load_config(const Comm& world, const std::string& file,
                       const std::vector<std::string>& overrides);

}  // namespace surge
