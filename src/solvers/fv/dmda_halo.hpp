#pragma once
// DmdaHalo: the domain decomposition and halo exchange of a cell-centred finite-volume solver,
// built on a PETSc DMDA. PETSc types stay inside the implementation: callers see the owned
// block, the ghosted block, and plain arrays of doubles.
#include <array>
#include <cstddef>
#include <memory>

#include "grid/grid.hpp"
#include "parallel/comm.hpp"

namespace surge::fv {

enum class Boundary { Periodic, Outflow };

// Boundary condition per side, in the order x_low, x_high, y_low, y_high.
using Boundaries = std::array<Boundary, 4>;

class DmdaHalo {
 public:
  // Collective over `comm`: decomposes the cells of `grid` (1D or 2D) over the ranks of `comm`
  // with `dof` unknowns per cell and a star-shaped halo `width` cells wide. A periodic side
  // must have a periodic partner (checked by the caller). Throws InputError when a rank would
  // own fewer cells per direction than the halo is wide. Initialises PETSc if nobody has yet.
  DmdaHalo(const Comm& comm, const Grid& grid, const Boundaries& sides, int dof, int width);
  ~DmdaHalo();
  DmdaHalo(const DmdaHalo&) = delete;
  DmdaHalo& operator=(const DmdaHalo&) = delete;

  // This rank's cells (global offset, extent); unused directions have extent 1.
  const Block& owned() const;
  // The owned cells plus the halo: offsets may be negative or exceed the grid near
  // physical boundaries. Not collective.
  const Block& ghosted() const;
  int dof() const;
  int width() const;
  // Number of doubles in the owned block (cells * dof).
  std::size_t owned_size() const;

  // Collective: copies `owned` (owned_size() values, x fastest, dof fastest of all) into the
  // ghosted array and fills its halo: neighbours' cells (periodic wrap included) and, at
  // outflow sides, copies of the adjacent boundary cell (zero gradient). Corner regions of
  // the halo are left unspecified. Returns the ghosted array, valid until the next call.
  const double* exchange(const double* owned);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace surge::fv
