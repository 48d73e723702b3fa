#pragma once
// Grid: the global cell-centred mesh (geometry only). Block: the part of it one rank owns.
// Ownership and data are kept apart from geometry, so the same Grid serves every rank count.
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstddef>

#include "core/schema.hpp"

namespace surge {

struct Grid {
  int dim = 1;                        // 1, 2 (or 3)
  std::array<int, 3> cells{1, 1, 1};  // cells per direction; unused directions are 1
  std::array<double, 3> lower{0, 0, 0};
  std::array<double, 3> upper{1, 1, 1};

  double spacing(int d) const { return (upper[d] - lower[d]) / cells[d]; }
  double center(int d, int i) const { return lower[d] + (i + 0.5) * spacing(d); }
  double face(int d, int i) const { return lower[d] + i * spacing(d); }  // left face of cell i
  long long total_cells() const { return 1LL * cells[0] * cells[1] * cells[2]; }
  double cell_volume() const;
};

// A rectangular block of cells [offset, offset + extent) of a Grid. Data on a block are stored
// with x fastest: index = (k * extent[1] + j) * extent[0] + i.
struct Block {
  std::array<int, 3> offset{0, 0, 0};
  std::array<int, 3> extent{1, 1, 1};
  std::size_t size() const { return static_cast<std::size_t>(extent[0]) * extent[1] * extent[2]; }
};

// Adds the keys `cells`, `lower`, `upper` (lists of one entry per direction) to a solver's
// parameter schema.
void add_grid_keys(config::Schema& parameters);
// Reads them back from a resolved parameter section. Throws InputError if the lists disagree
// in length or lower >= upper.
Grid grid_from_config(const YAML::Node& parameters);

}  // namespace surge
