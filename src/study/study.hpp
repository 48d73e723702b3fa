#pragma once
// Study: the ensemble of simulations: how many, which parameters with which distributions,
// which sampler, which seed. Every rank builds the same Study from the resolved config and
// can therefore produce any simulation's spec locally, without communication.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "study/simulation.hpp"

namespace surge {

// Schema of the `study:` section:
//   simulations: N            (integer >= 1, required)
//   seed: S                   (integer >= 0, default 0)
//   sampler: random | latin_hypercube | sobol | halton   (default random)
//   parameters:               (dict, may be empty; declaration order is kept)
//     NAME: {distribution: uniform, low: a, high: b}
//     NAME: {distribution: log_uniform, low: a, high: b}   (0 < a < b)
//     NAME: {distribution: choice, values: [v1, v2, ...]}
//     NAME: {distribution: constant, value: v}
// Constant parameters take no dimension of the sampler's unit cube. sobol and halton give
// simulation i point i of GSL's sequence, which starts after the origin ((1/2, 1/2, ...) for
// sobol, (1/2, 1/3, 1/5, ...) for halton): the origin would put every parameter at its low end.
// Parameter names are identifiers other than x, y, z, t and pi (bound by expressions).
config::Schema study_schema();

class Study {
 public:
  // From the resolved `study` section; draws every simulation's parameters now, so a spec never
  // depends on which rank asks for it or in which order. Not collective. Throws InputError for
  // inconsistent values (low >= high, non-positive log_uniform bound, empty choice list, keys of
  // another distribution, more non-constant parameters than sobol / halton support).
  explicit Study(const YAML::Node& study);

  int simulations() const { return simulations_; }
  const std::vector<std::string>& parameter_names() const { return names_; }
  // Spec of simulation `id` (0 <= id < simulations()). Deterministic in (seed, sampler, id) and,
  // for latin_hypercube, simulations(); its seed is a 64-bit hash of (study seed, id). Not
  // collective. Throws std::out_of_range for an id outside the study.
  SimulationSpec spec(int id) const;

 private:
  int simulations_ = 0;
  std::uint64_t seed_ = 0;
  std::vector<std::string> names_;
  std::vector<std::vector<double>> values_;  // [simulation][parameter], drawn in the constructor
};

// The study ids of shard `index` of `count` of a study of `simulations` simulations (`surge
// simulate --shard index/count`): a contiguous block, ids floor(index * simulations / count) up
// to floor((index + 1) * simulations / count) - 1, so the shards partition the study and their
// sizes differ by at most one. Not collective. Throws InputError unless 0 <= index < count and
// count <= simulations (every shard holds at least one simulation).
std::vector<int> shard_simulations(int simulations, int index, int count);

// The held-out simulations of `study.validation` (same parameters and distributions, own
// simulations / seed / sampler), or nothing when study.validation.simulations is 0. Not
// collective. Throws InputError when the held-out seed equals study.seed.
std::optional<Study> validation_study(const YAML::Node& study);

}  // namespace surge
