#pragma once
// The decomposition tests' view of a distributed solver: its snapshot gathered whole.
#include <mpi.h>

#include <cstddef>
#include <vector>

#include "parallel/comm.hpp"
#include "solvers/solver.hpp"

namespace surge::test {

// Collective over `group`: every field of the solver's (snapshot) grid on the group's rank 0,
// field after field, x fastest (empty elsewhere). 1D and 2D blocks.
inline std::vector<double> gather_global(const Comm& group, const Solver& s) {
  std::vector<double> local;
  s.snapshot(local);
  const Block b = s.block();
  const int nf = static_cast<int>(s.field_names().size());
  int meta[4] = {b.offset[0], b.offset[1], b.extent[0], b.extent[1]};
  const int n = group.size();
  std::vector<int> metas(4 * n), counts(n), displs(n);
  MPI_Gather(meta, 4, MPI_INT, metas.data(), 4, MPI_INT, 0, group.get());
  for (int r = 0; r < n; ++r) {
    counts[r] = metas[4 * r + 2] * metas[4 * r + 3] * nf;
    displs[r] = r ? displs[r - 1] + counts[r - 1] : 0;
  }
  const std::size_t total = s.grid().total_cells();
  std::vector<double> all(group.rank() == 0 ? total * nf : 0), global;
  MPI_Gatherv(local.data(), static_cast<int>(local.size()), MPI_DOUBLE, all.data(), counts.data(),
              displs.data(), MPI_DOUBLE, 0, group.get());
  if (group.rank() != 0) return global;
  global.assign(total * nf, 0.0);
  const int nx = s.grid().cells[0];
  for (int r = 0; r < n; ++r) {
    const int* m = &metas[4 * r];
    const std::size_t cells = std::size_t(m[2]) * m[3];
    for (int f = 0; f < nf; ++f)
      for (int j = 0; j < m[3]; ++j)
        for (int i = 0; i < m[2]; ++i)
          global[f * total + std::size_t(m[1] + j) * nx + m[0] + i] =
              all[displs[r] + f * cells + std::size_t(j) * m[2] + i];
  }
  return global;
}

}  // namespace surge::test
