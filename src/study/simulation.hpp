#pragma once
// SimulationSpec: everything that identifies one member of the ensemble. It depends only on
// the study (seed, sampler, simulation id), never on the number of ranks or groups.
#include <cstdint>
#include <string>
#include <vector>

namespace surge {

struct SimulationSpec {
  int id = 0;
  std::vector<std::string> parameter_names;  // study parameters, in declaration order
  std::vector<double> parameter_values;      // sampled values, same order
  std::uint64_t seed = 0;  // seed of this simulation's own random draws (initial condition)
};

}  // namespace surge
