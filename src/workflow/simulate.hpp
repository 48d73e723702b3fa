#pragma once
// `surge simulate`: run the study's ensemble on every rank and write one HDF5 file.
#include <yaml-cpp/yaml.h>

#include <string>

#include "io/study_writer.hpp"
#include "parallel/comm.hpp"
#include "study/simulation.hpp"

namespace surge {

struct SimulateOptions {
  bool overwrite = false;  // replace an existing output file (only once the new one is complete)
  // Run only shard `shard_index` of `shard_count` of the study (shard_simulations in
  // study/study.hpp); 0 of 1: the whole study.
  int shard_index = 0;
  int shard_count = 1;
};

struct SimulateSummary {
  int simulations = 0;  // run by this job: the shard's, or the whole study's
  int ok = 0;
  int failed = 0;
  double wall_seconds = 0;
  long long cell_updates = 0;  // sum over simulations of steps x cells
  double write_seconds = 0;    // in HDF5 writes of snapshots (max over ranks)
  std::string output;
};

// Collective over `world`. Input problems (layout, output path, initial-condition files, a shard
// the study cannot have) are reported as InputError on every rank before any simulation runs; a
// simulation that blows up is recorded as failed and the study goes on.
SimulateSummary simulate(const Comm& world, const YAML::Node& config, const SimulateOptions& opt);

// The work of `simulate` for a given list of simulations (ids as in their study), written to
// `path`: every rank of `world` is a solver (groups of layout.ranks_per_simulation), the
// groups take the simulations in turn. Used by `simulate` and by the first phase of
// `surge run --offline`. Collective; the caller has checked `path` (an existing file is
// replaced when `overwrite`).
SimulateSummary simulate_to_file(const Comm& world, const YAML::Node& config,
                                 const std::vector<SimulationSpec>& specs,
                                 const std::string& path, bool overwrite,
                                 const StudyShard& shard = {});

}  // namespace surge
