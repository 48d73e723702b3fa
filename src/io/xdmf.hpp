#pragma once
// Private to src/io: the XDMF sidecar that lets ParaView open a study file.
#include <cstddef>
#include <string>
#include <vector>

#include "grid/grid.hpp"

namespace surge::xdmf {

// One simulation as the sidecar lists it: its id and the times of its snapshots (NaN where a
// snapshot was never reached; such snapshots are left out).
struct Series {
  int id = 0;
  std::vector<double> times;
};

// "out/study.h5" -> "out/study.xmf"; any other name gets ".xmf" appended.
std::string sidecar_path(const std::string& h5_path);

// Writes the sidecar of the study file `h5_path` to `xmf_path` (through a temporary name and a
// rename, so a reader never sees half a file). Data items name the HDF5 file by its file name
// only, so the pair can be moved together. Serial. Throws RuntimeError on failure.
void write_sidecar(const std::string& xmf_path, const std::string& h5_path, const Grid& grid,
                   const std::vector<std::string>& fields, std::size_t n_snapshots,
                   const std::vector<Series>& simulations);

}  // namespace surge::xdmf
