#pragma once
// `surge simulate`: run the study's ensemble on every rank and write one HDF5 file.
#include <yaml-cpp/yaml.h>

#include <string>

#include "parallel/comm.hpp"

namespace surge {

struct SimulateOptions {
  bool overwrite = false;  // replace an existing output file (only once the new one is complete)
};

struct SimulateSummary {
  int simulations = 0;
  int ok = 0;
  int failed = 0;
  double wall_seconds = 0;
  long long cell_updates = 0;  // sum over simulations of steps x cells
  std::string output;
};

// Collective over `world`. Input problems (layout, output path, initial-condition files) are
// reported as InputError on every rank before any simulation runs; a simulation that blows up
// is recorded as failed and the study goes on.
SimulateSummary simulate(const Comm& world, const YAML::Node& config, const SimulateOptions& opt);

}  // namespace surge
