#pragma once
// `surge evaluate`: a trained surrogate judged against the solver on the held-out simulations of
// a configuration (study.validation). Solver groups run those simulations as `surge simulate`
// does; at every frame the group gathers the state on its rank 0, which then rolls the
// surrogate out from the first frame(s) and compares it with the solver step by step
// (trainer/evaluation.hpp). Rank 0 writes evaluation.csv, summary.yaml, fields_last_step.csv
// and config.yaml into the evaluation directory (see docs/training.md).
#include <yaml-cpp/yaml.h>

#include <string>

#include "parallel/comm.hpp"

namespace surge {

struct EvaluateOptions {
  std::string model;        // the surrogate's directory (output.directory of `surge run`)
  std::string output;       // the evaluation's directory; empty: MODEL/evaluation
  bool overwrite = false;   // replace an existing evaluation directory once the new one is whole
  std::string config_file;  // the CONFIG of the command line, recorded in summary.yaml
};

struct EvaluateSummary {
  std::string directory;
  int simulations = 0, ok = 0, failed = 0;
  long long rows = 0;        // (simulation, model step) pairs evaluated
  double rel_l2_mean = 0;    // over every row
  double one_step_mean = 0;  // over every row
  double nrmse_mean = 0;     // over simulations, each over its whole rollout
  double persistence_nrmse_mean = 0;
  double solver_seconds = 0;     // summed over simulations, for the frames the surrogate predicts
  double surrogate_seconds = 0;  // the same for the surrogate's rollout
  double speedup = 0;            // solver_seconds / surrogate_seconds
  double wall_seconds = 0;
};

// Collective over `world`. Input problems (no held-out simulations, a surrogate directory that
// cannot be read or was trained on another grid, fields, parameters or frame interval than the
// configuration's, too few frames for one model step, an existing output directory without
// `overwrite`) are InputError on every rank before any simulation runs. A simulation that blows
// up is recorded as failed and evaluated over the frames it reached.
EvaluateSummary evaluate(const Comm& world, const YAML::Node& config,
                         const EvaluateOptions& options);

}  // namespace surge
