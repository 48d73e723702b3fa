#include "io/study_writer.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>
#include <set>
#include <unordered_map>

#include "core/error.hpp"
#include "io/hdf5_util.hpp"
#include "io/xdmf.hpp"

namespace surge {

namespace fs = std::filesystem;
using h5::check;
using h5::Hid;

namespace {

constexpr int kFormatVersion = 1;

std::string group_name(int id) {
  char name[32];
  std::snprintf(name, sizeof name, "%06d", id);
  return name;
}

std::string simulation_path(int id) {
  return "/simulations/" + group_name(id);
}

// Attribute names of a simulation group that a parameter must not shadow.
const std::set<std::string>& reserved_names() {
  static const std::set<std::string> names{
      "id", "seed", "status", "message", "parameter_names", "parameter_values"};
  return names;
}

// Spatial shape of a snapshot as stored: slowest direction first (z, y, x).
std::vector<hsize_t> spatial_dims(const Grid& g) {
  std::vector<hsize_t> dims;
  for (int d = g.dim - 1; d >= 0; --d) dims.push_back(static_cast<hsize_t>(g.cells[d]));
  return dims;
}

void check_inputs(const Grid& grid, const std::vector<std::string>& fields,
                  const std::vector<SimulationSpec>& simulations, const StudyShard& shard) {
  const int total =
      shard.simulations < 0 ? static_cast<int>(simulations.size()) : shard.simulations;
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count ||
      total < static_cast<int>(simulations.size())) {
    throw RuntimeError("StudyWriter: shard " + std::to_string(shard.index) + "/" +
                       std::to_string(shard.count) + " of a study of " + std::to_string(total) +
                       " simulations cannot hold " + std::to_string(simulations.size()));
  }
  if (grid.dim < 1 || grid.dim > 3) {
    throw RuntimeError("StudyWriter: grid dimension " + std::to_string(grid.dim) +
                       " is not 1, 2 or 3");
  }
  std::set<std::string> seen;
  for (const auto& f : fields) {
    if (f.empty() || f == "times" || f.find('/') != std::string::npos || !seen.insert(f).second) {
      throw RuntimeError("StudyWriter: field name '" + f +
                         "' is empty, repeated, 'times' or contains '/'");
    }
  }
  std::set<int> ids;
  for (const auto& s : simulations) {
    if (s.id < 0 || !ids.insert(s.id).second || (shard.simulations >= 0 && s.id >= total)) {
      throw RuntimeError("StudyWriter: simulation id " + std::to_string(s.id) +
                         " is negative, repeated or outside the study of " + std::to_string(total));
    }
    if (s.parameter_names.size() != s.parameter_values.size()) {
      throw RuntimeError("StudyWriter: simulation " + std::to_string(s.id) + " has " +
                         std::to_string(s.parameter_names.size()) + " parameter names but " +
                         std::to_string(s.parameter_values.size()) + " values");
    }
  }
}

}  // namespace

struct StudyWriter::Impl {
  struct Simulation {
    int id = 0;
    Hid group;
    Hid times;
    std::vector<Hid> fields;
  };

  Comm comm;
  std::string partial;  // the file being written
  std::string final_path;
  Grid grid;
  std::vector<std::string> fields;
  std::size_t n_snapshots = 0;
  std::vector<hsize_t> spatial;  // snapshot shape as stored, slowest first

  Hid file;
  Hid independent;  // transfer property list: each rank writes its own blocks, no coordination
  std::vector<Simulation> sims;
  std::unordered_map<int, std::size_t> index_of;
  bool finished = false;

  void create(const std::vector<double>& snapshot_times, const std::vector<SimulationSpec>& specs,
              const std::string& config, const StudyShard& shard);
  void create_simulation(const SimulationSpec& spec, hid_t parent, hid_t field_dcpl,
                         hid_t times_dcpl);
  Hid dataset_creation(bool per_snapshot_chunks) const;
  // Collective: closes every handle and then the file. Returns false if any close failed.
  bool close() noexcept;
};

Hid StudyWriter::Impl::dataset_creation(bool per_snapshot_chunks) const {
  Hid dcpl = check(H5Pcreate(H5P_DATASET_CREATE), "create a dataset property list", partial);
  if (per_snapshot_chunks) {
    // One chunk per snapshot of a field: a block write touches exactly one chunk (ranks of a
    // group write disjoint parts of it; without filters HDF5 writes them straight through), a
    // reader of one snapshot reads one chunk, and h5repack can compress snapshot by snapshot.
    // Parallel HDF5 allocates every chunk at creation and writes the NaN fill collectively,
    // spread over the ranks.
    std::vector<hsize_t> chunk{1};
    chunk.insert(chunk.end(), spatial.begin(), spatial.end());
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
          "set the chunk shape", partial);
  } else {
    check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), "set the contiguous layout", partial);
  }
  // Space is allocated and NaN-filled at creation, so a snapshot that is never written reads
  // as NaN ("never reached"), and no write later needs a collective allocation.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "set early allocation", partial);
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC), "set the fill time", partial);
  check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &nan), "set the NaN fill value", partial);
  return dcpl;
}

void StudyWriter::Impl::create(const std::vector<double>& snapshot_times,
                               const std::vector<SimulationSpec>& specs, const std::string& config,
                               const StudyShard& shard) {
  h5::Quiet quiet;
  Hid fapl = check(H5Pcreate(H5P_FILE_ACCESS), "create a file access property list", partial);
  check(H5Pset_fapl_mpio(fapl.get(), comm.get(), MPI_INFO_NULL), "select MPI-IO", partial);
  // Metadata is flushed with one collective MPI-IO write instead of by rank 0 alone.
  check(H5Pset_coll_metadata_write(fapl.get(), true), "select collective metadata writes", partial);
  file = check(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
               "create the file", partial);
  independent = check(H5Pcreate(H5P_DATASET_XFER), "create a transfer property list", partial);
  check(H5Pset_dxpl_mpio(independent.get(), H5FD_MPIO_INDEPENDENT), "select independent I/O",
        partial);

  const hid_t root = file.get();
  h5::write_attr(root, "format", std::string("surge-study"), partial);
  h5::write_attr(root, "format_version", kFormatVersion, partial);
  h5::write_attr(root, "surge_version", std::string(SURGE_VERSION), partial);
  h5::write_attr(root, "config", config, partial);
  h5::write_attr(root, "fields", fields, partial);
  h5::write_attr(root, "complete", 0, partial);
  // Which part of the study this file holds (the whole study: shard 0 of 1).
  h5::write_attr(root, "shard_index", shard.index, partial);
  h5::write_attr(root, "shard_count", shard.count, partial);
  h5::write_attr(root, "study_simulations",
                 shard.simulations < 0 ? static_cast<int>(specs.size()) : shard.simulations,
                 partial);

  // Small coordinate datasets: written once by rank 0 (every rank holds the same values).
  auto write_vector = [&](hid_t parent, const std::string& name, const std::vector<double>& v) {
    hsize_t dims[1] = {v.size()};
    Hid space = check(H5Screate_simple(1, dims, nullptr), "create a dataspace", partial);
    Hid ds = check(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT),
                   "create dataset " + name, partial);
    if (comm.rank() == 0 && !v.empty()) {
      check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, independent.get(), v.data()),
            "write dataset " + name, partial);
    }
  };
  write_vector(root, "snapshot_times", snapshot_times);
  {
    // The study ids of the simulations in this file, ascending (a dataset: an attribute would be
    // limited to 64 KiB).
    std::vector<int> ids;
    for (const auto& spec : specs) ids.push_back(spec.id);
    std::sort(ids.begin(), ids.end());
    hsize_t dims[1] = {ids.size()};
    Hid space = check(H5Screate_simple(1, dims, nullptr), "create a dataspace", partial);
    Hid ds = check(H5Dcreate2(root, "simulation_ids", H5T_STD_I32LE, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT),
                   "create dataset simulation_ids", partial);
    if (comm.rank() == 0 && !ids.empty()) {
      check(H5Dwrite(ds.get(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, independent.get(), ids.data()),
            "write dataset simulation_ids", partial);
    }
  }

  {
    Hid g = check(H5Gcreate2(root, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "create group /grid", partial);
    std::vector<int> cells;
    std::vector<double> lower, upper;
    for (int d = 0; d < grid.dim; ++d) {
      cells.push_back(grid.cells[d]);
      lower.push_back(grid.lower[d]);
      upper.push_back(grid.upper[d]);
    }
    h5::write_attr(g.get(), "dim", grid.dim, partial);
    h5::write_attr(g.get(), "cells", cells, partial);
    h5::write_attr(g.get(), "lower", lower, partial);
    h5::write_attr(g.get(), "upper", upper, partial);
    const char* names[3] = {"x", "y", "z"};
    for (int d = 0; d < grid.dim; ++d) {
      std::vector<double> centres(static_cast<std::size_t>(grid.cells[d]));
      for (int i = 0; i < grid.cells[d]; ++i)
        centres[static_cast<std::size_t>(i)] = grid.center(d, i);
      write_vector(g.get(), names[d], centres);
    }
  }

  double snapshot_bytes = 8.0;
  for (hsize_t n : spatial) snapshot_bytes *= static_cast<double>(n);
  // HDF5 limits a chunk to 4 GiB; beyond 1 GiB per snapshot contiguous storage is the better
  // trade anyway (the snapshot is still one contiguous run of bytes, snapshot-major).
  const bool chunked = n_snapshots > 0 && snapshot_bytes <= 1024.0 * 1024.0 * 1024.0;
  Hid field_dcpl = dataset_creation(chunked);
  Hid times_dcpl = dataset_creation(false);

  Hid all = check(H5Gcreate2(root, "simulations", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "create group /simulations", partial);
  sims.reserve(specs.size());
  for (const auto& spec : specs) {
    create_simulation(spec, all.get(), field_dcpl.get(), times_dcpl.get());
  }
  // The empty layout is on disk before any simulation runs: a killed run leaves a readable
  // PATH.partial with complete = 0.
  check(H5Fflush(root, H5F_SCOPE_GLOBAL), "flush the file", partial);
}

void StudyWriter::Impl::create_simulation(const SimulationSpec& spec, hid_t parent,
                                          hid_t field_dcpl, hid_t times_dcpl) {
  const std::string where = simulation_path(spec.id);
  Simulation sim;
  sim.id = spec.id;
  sim.group =
      check(H5Gcreate2(parent, group_name(spec.id).c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            "create group " + where, partial);
  const hid_t g = sim.group.get();
  h5::write_attr(g, "id", spec.id, partial);
  h5::write_attr(g, "seed", static_cast<std::uint64_t>(spec.seed), partial);
  h5::write_attr(g, "parameter_names", spec.parameter_names, partial);
  h5::write_attr(g, "parameter_values", spec.parameter_values, partial);
  std::set<std::string> written;
  for (std::size_t i = 0; i < spec.parameter_names.size(); ++i) {
    const std::string& name = spec.parameter_names[i];
    // The arrays above are authoritative; the per-name copy is a convenience for browsing
    // and is left out where it would clash.
    if (reserved_names().count(name) || !written.insert(name).second) continue;
    h5::write_attr(g, name, spec.parameter_values[i], partial);
  }

  hsize_t n[1] = {n_snapshots};
  Hid times_space = check(H5Screate_simple(1, n, nullptr), "create a dataspace", partial);
  sim.times = check(H5Dcreate2(g, "times", H5T_IEEE_F64LE, times_space.get(), H5P_DEFAULT,
                               times_dcpl, H5P_DEFAULT),
                    "create dataset " + where + "/times", partial);

  std::vector<hsize_t> dims{n_snapshots};
  dims.insert(dims.end(), spatial.begin(), spatial.end());
  Hid space = check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                    "create a dataspace", partial);
  for (const auto& field : fields) {
    sim.fields.push_back(check(H5Dcreate2(g, field.c_str(), H5T_IEEE_F64LE, space.get(),
                                          H5P_DEFAULT, field_dcpl, H5P_DEFAULT),
                               "create dataset " + where + "/" + field, partial));
  }
  index_of[spec.id] = sims.size();
  sims.push_back(std::move(sim));
}

bool StudyWriter::Impl::close() noexcept {
  h5::Quiet quiet;
  bool ok = independent.reset();
  // The MPI-IO driver closes a file only once nothing in it is open (H5F_CLOSE_SEMI).
  for (auto& sim : sims) {
    for (auto& f : sim.fields) ok = f.reset() && ok;
    ok = sim.times.reset() && ok;
    ok = sim.group.reset() && ok;
  }
  return file.reset() && ok;
}

StudyWriter::StudyWriter(const Comm& comm, const std::string& path, bool overwrite,
                         const Grid& grid, const std::vector<std::string>& fields,
                         const std::vector<double>& snapshot_times,
                         const std::vector<SimulationSpec>& simulations,
                         const std::string& resolved_config, const StudyShard& shard)
    : path_(path) {
  check_inputs(grid, fields, simulations, shard);
  const std::string partial = path + ".partial";

  // Rank 0 decides for everyone, so all ranks throw together or go on together.
  std::string refusal, problem;
  if (comm.rank() == 0) {
    std::error_code ec;
    if (!overwrite && fs::exists(path, ec)) {
      refusal = path + " exists; pass --overwrite to replace it";
    } else {
      // A stale PATH.partial is from a killed run; removing it first (rather than relying on
      // truncation) means no old bytes can ever be read as part of the new file.
      fs::remove(partial, ec);
      if (ec) problem = "cannot remove the stale " + partial + ": " + ec.message();
    }
  }
  comm.bcast(refusal, 0);
  if (!refusal.empty()) throw InputError(refusal);
  comm.bcast(problem, 0);
  if (!problem.empty()) throw RuntimeError(problem);

  impl_ = new Impl;
  impl_->comm = comm;
  impl_->partial = partial;
  impl_->final_path = path;
  impl_->grid = grid;
  impl_->fields = fields;
  impl_->n_snapshots = snapshot_times.size();
  impl_->spatial = spatial_dims(grid);
  try {
    impl_->create(snapshot_times, simulations, resolved_config, shard);
  } catch (...) {
    impl_->close();
    delete impl_;
    impl_ = nullptr;
    throw;
  }
}

StudyWriter::~StudyWriter() {
  if (impl_ && !impl_->finished) impl_->close();
  delete impl_;
}

void StudyWriter::write(int sim, int k, double time, const Block& block,
                        const std::vector<double>& data, bool write_time) {
  if (!impl_ || impl_->finished) {
    throw RuntimeError("StudyWriter::write on " + path_ + " after finish()");
  }
  Impl& w = *impl_;
  auto it = w.index_of.find(sim);
  if (it == w.index_of.end()) {
    throw RuntimeError("StudyWriter::write: simulation " + std::to_string(sim) + " is not in " +
                       w.partial);
  }
  if (k < 0 || static_cast<std::size_t>(k) >= w.n_snapshots) {
    throw RuntimeError("StudyWriter::write: snapshot " + std::to_string(k) + " is outside [0, " +
                       std::to_string(w.n_snapshots) + ") in " + w.partial);
  }
  const std::size_t block_size = block.size();
  if (data.size() != w.fields.size() * block_size) {
    throw RuntimeError("StudyWriter::write: got " + std::to_string(data.size()) + " values for " +
                       std::to_string(w.fields.size()) + " fields of " +
                       std::to_string(block_size) + " cells");
  }
  for (int d = 0; d < 3; ++d) {
    const int cells = d < w.grid.dim ? w.grid.cells[d] : 1;
    if (block.offset[d] < 0 || block.extent[d] < 0 || block.offset[d] + block.extent[d] > cells) {
      throw RuntimeError("StudyWriter::write: block outside the grid in direction " +
                         std::to_string(d));
    }
  }

  h5::Quiet quiet;
  Impl::Simulation& s = w.sims[it->second];
  const std::string where = simulation_path(sim);
  if (block_size > 0) {
    std::vector<hsize_t> dims{w.n_snapshots}, start{static_cast<hsize_t>(k)}, count{1};
    for (int d = w.grid.dim - 1; d >= 0; --d) {
      dims.push_back(static_cast<hsize_t>(w.grid.cells[d]));
      start.push_back(static_cast<hsize_t>(block.offset[d]));
      count.push_back(static_cast<hsize_t>(block.extent[d]));
    }
    const int rank = static_cast<int>(dims.size());
    Hid file_space =
        check(H5Screate_simple(rank, dims.data(), nullptr), "create a dataspace", w.partial);
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          "select a block", w.partial);
    hsize_t n[1] = {block_size};
    Hid mem_space = check(H5Screate_simple(1, n, nullptr), "create a dataspace", w.partial);
    for (std::size_t f = 0; f < w.fields.size(); ++f) {
      check(H5Dwrite(s.fields[f].get(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(),
                     w.independent.get(), data.data() + f * block_size),
            "write snapshot " + std::to_string(k) + " of " + where + "/" + w.fields[f], w.partial);
    }
  }
  if (write_time) {
    hsize_t n[1] = {w.n_snapshots}, at[1] = {static_cast<hsize_t>(k)}, one[1] = {1};
    Hid file_space = check(H5Screate_simple(1, n, nullptr), "create a dataspace", w.partial);
    check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, at, nullptr, one, nullptr),
          "select a time", w.partial);
    Hid mem_space = check(H5Screate_simple(1, one, nullptr), "create a dataspace", w.partial);
    check(H5Dwrite(s.times.get(), H5T_NATIVE_DOUBLE, mem_space.get(), file_space.get(),
                   w.independent.get(), &time),
          "write time " + std::to_string(k) + " of " + where, w.partial);
  }
}

void StudyWriter::finish(const std::vector<SimulationStatus>& statuses) {
  if (!impl_ || impl_->finished) throw RuntimeError("StudyWriter::finish called twice on " + path_);
  Impl& w = *impl_;
  std::unordered_map<int, const SimulationStatus*> status_of;
  for (const auto& st : statuses) {
    if (!w.index_of.count(st.id)) {
      throw RuntimeError("StudyWriter::finish: simulation " + std::to_string(st.id) +
                         " is not in " + w.partial);
    }
    status_of[st.id] = &st;
  }
  {
    h5::Quiet quiet;
    for (auto& sim : w.sims) {
      auto it = status_of.find(sim.id);
      const std::string status = it == status_of.end() ? "not_run" : it->second->status;
      const std::string message = it == status_of.end() ? "" : it->second->message;
      h5::write_attr(sim.group.get(), "status", status, w.partial);
      h5::write_attr(sim.group.get(), "message", message, w.partial);
    }
    h5::rewrite_attr(w.file.get(), "complete", 1, w.partial);
  }
  w.finished = true;
  if (!w.close()) throw RuntimeError("HDF5: cannot close " + w.partial);

  // Every rank's data is on disk once the (collective) close returns; only now may the file
  // take its final name. rename() replaces an existing PATH atomically, so an earlier result
  // survives every failure before this point.
  std::string problem;
  if (w.comm.rank() == 0) {
    try {
      std::error_code ec;
      fs::rename(w.partial, w.final_path, ec);
      if (ec) {
        throw RuntimeError("cannot rename " + w.partial + " to " + w.final_path + ": " +
                           ec.message());
      }
      std::vector<xdmf::Series> series;
      for (const auto& sim : w.sims) {
        auto it = status_of.find(sim.id);
        if (it == status_of.end()) continue;
        if (it->second->status != "ok" && it->second->status != "failed") continue;
        series.push_back({sim.id, read_study_field(w.final_path, sim.id, "times")});
      }
      xdmf::write_sidecar(xdmf::sidecar_path(w.final_path), w.final_path, w.grid, w.fields,
                          w.n_snapshots, series);
    } catch (const std::exception& e) {
      problem = e.what();
      if (problem.empty()) problem = "finishing " + w.final_path + " failed";
    }
  }
  // Also the barrier: no rank returns before PATH and its sidecar exist (or all throw).
  w.comm.bcast(problem, 0);
  if (!problem.empty()) throw RuntimeError(problem);
}

std::vector<double> read_study_field(const std::string& path, int sim, const std::string& field) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(path + ": no such study file");
  h5::Quiet quiet;
  Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) {
    throw InputError(path + " cannot be opened as an HDF5 file: " + h5::last_error());
  }
  const std::string group = simulation_path(sim);
  if (H5Lexists(file.get(), "/simulations", H5P_DEFAULT) <= 0 ||
      H5Lexists(file.get(), group.c_str(), H5P_DEFAULT) <= 0) {
    throw InputError(path + " has no simulation " + std::to_string(sim) + " (no group " + group +
                     ")");
  }
  const std::string dataset = group + "/" + field;
  if (field.empty() || field.find('/') != std::string::npos ||
      H5Lexists(file.get(), dataset.c_str(), H5P_DEFAULT) <= 0) {
    throw InputError(path + " has no field '" + field + "' in simulation " + std::to_string(sim));
  }
  Hid ds(H5Dopen2(file.get(), dataset.c_str(), H5P_DEFAULT));
  if (!ds.valid()) throw InputError(path + ": " + dataset + " is not a dataset");
  return h5::read_doubles(ds.get(), dataset, path);
}

}  // namespace surge
