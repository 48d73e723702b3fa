#pragma once
// Initial conditions for scalar fields (Burgers, advection).
#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>

#include "core/schema.hpp"
#include "grid/grid.hpp"
#include "study/simulation.hpp"

namespace surge {

class InitialCondition {
 public:
  virtual ~InitialCondition() = default;
  // Fills `out` (block.size() values, x fastest) with the cell averages of the initial field
  // over the cells of `block`. Not collective; the values depend only on the simulation spec
  // and the global cell index, so any decomposition gives identical numbers.
  virtual void fill(const Grid& grid, const Block& block, double* out) const = 0;
};

// Schema of a scalar `initial_condition:` section, {type, parameters} with types
//   random_fourier: sum of K sinusoids with random amplitudes, phases and wave numbers
//   expression:     {value: "muParser expression of x, y and the study parameters"}
//   hdf5:           {file: PATH, dataset: NAME} (global array of cell averages, shape = cells)
config::Schema initial_condition_schema();

// Builds the initial condition of simulation `spec` from a resolved section. Throws InputError
// for a bad expression or a missing / mis-shaped HDF5 dataset (checked here, before any work);
// messages name keys below `where`, the key path of the section. Not collective (an hdf5
// initial condition opens the file on each calling rank).
std::unique_ptr<InitialCondition> make_initial_condition(
    const YAML::Node& section, const SimulationSpec& spec, const Grid& grid,
    const std::string& where = "solver.initial_condition");

}  // namespace surge
