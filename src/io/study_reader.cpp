#include "io/study_reader.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "io/hdf5_util.hpp"

namespace surge {

namespace {

using h5::Hid;

constexpr long long kFormatVersion = 1;

// The dataspace dimensions of dataset `name` under `parent`.
std::vector<hsize_t> dataset_dims(hid_t parent, const std::string& name, const std::string& path) {
  if (H5Lexists(parent, name.c_str(), H5P_DEFAULT) <= 0)
    throw InputError(path + ": no dataset '" + name + "'");
  Hid ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT));
  if (!ds.valid()) throw InputError(path + ": '" + name + "' is not a dataset");
  Hid space(H5Dget_space(ds.get()));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0) throw InputError(path + ": cannot read the shape of '" + name + "'");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

std::string shape_text(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

}  // namespace

StudyReader::StudyReader(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    std::string msg = path + ": no such study file";
    if (fs::exists(path + ".partial", ec))
      msg += " (" + path + ".partial exists: the study that writes it has not finished)";
    throw InputError(msg);
  }
  h5::Quiet quiet;
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0) throw InputError(path + " cannot be opened as an HDF5 file: " + h5::last_error());
  try {
    // Attribute problems are the file's, not the machine's: report them as input errors.
    try {
      if (!h5::has_attr(file_, "format") || h5::read_attr_string(file_, "format", path) != "surge-study")
        throw InputError(path + " is not a surge study file (its root attribute 'format' is not "
                                "\"surge-study\"; see docs/output-format.md)");
      const std::vector<long long> version = h5::read_attr_integers(file_, "format_version", path);
      if (version.size() != 1 || version[0] != kFormatVersion)
        throw InputError(path + ": format_version " +
                         (version.empty() ? std::string("(empty)") : std::to_string(version[0])) +
                         " is not the version this surge reads (" +
                         std::to_string(kFormatVersion) + ")");
      const std::vector<long long> complete = h5::read_attr_integers(file_, "complete", path);
      if (complete.size() != 1 || complete[0] != 1)
        throw InputError(path + " is not complete (attribute complete = 0): the study that "
                                "wrote it did not finish");
      fields_ = h5::read_attr_strings(file_, "fields", path);
      if (fields_.empty()) throw InputError(path + ": the root attribute 'fields' is empty");
      if (h5::has_attr(file_, "config")) config_ = h5::read_attr_string(file_, "config", path);

      if (H5Lexists(file_, "/grid", H5P_DEFAULT) <= 0)
        throw InputError(path + ": no group /grid");
      Hid grid(H5Gopen2(file_, "/grid", H5P_DEFAULT));
      if (!grid.valid()) throw InputError(path + ": /grid is not a group");
      const std::vector<long long> dim = h5::read_attr_integers(grid.get(), "dim", path);
      if (dim.size() != 1 || dim[0] < 1 || dim[0] > 3)
        throw InputError(path + ": /grid attribute dim is not 1, 2 or 3");
      grid_.dim = static_cast<int>(dim[0]);
      const std::vector<long long> cells = h5::read_attr_integers(grid.get(), "cells", path);
      const std::vector<double> lower = h5::read_attr_doubles(grid.get(), "lower", path);
      const std::vector<double> upper = h5::read_attr_doubles(grid.get(), "upper", path);
      const auto n = static_cast<std::size_t>(grid_.dim);
      if (cells.size() != n || lower.size() != n || upper.size() != n)
        throw InputError(path + ": /grid attributes cells, lower and upper need " +
                         std::to_string(n) + " value(s) each (dim " + std::to_string(n) + ")");
      for (std::size_t d = 0; d < n; ++d) {
        if (cells[d] < 1 || !(upper[d] > lower[d]))
          throw InputError(path + ": /grid has " + std::to_string(cells[d]) +
                           " cells or an empty extent in direction " + std::to_string(d));
        grid_.cells[d] = static_cast<int>(cells[d]);
        grid_.lower[d] = lower[d];
        grid_.upper[d] = upper[d];
      }
    } catch (const RuntimeError& e) {
      throw InputError(e.what());
    }

    if (dataset_dims(file_, "/snapshot_times", path).size() != 1)
      throw InputError(path + ": /snapshot_times is not one-dimensional");
    {
      Hid ds(H5Dopen2(file_, "/snapshot_times", H5P_DEFAULT));
      snapshot_times_ = h5::read_doubles(ds.get(), "/snapshot_times", path);
    }
    if (snapshot_times_.empty()) throw InputError(path + ": /snapshot_times is empty");
    if (snapshot_times_.size() > 1) {
      every_ = snapshot_times_[1] - snapshot_times_[0];
      for (std::size_t k = 1; k < snapshot_times_.size(); ++k) {
        const double gap = snapshot_times_[k] - snapshot_times_[k - 1];
        if (!(gap > 0) || std::abs(gap - every_) > 1e-6 * std::max(every_, 1e-300) +
                                                       1e-9 * std::abs(snapshot_times_[k]))
          throw InputError(path + ": /snapshot_times are not increasing and evenly spaced (" +
                           std::to_string(snapshot_times_[k - 1]) + ", " +
                           std::to_string(snapshot_times_[k]) +
                           "); training needs one time step between snapshots");
      }
    }

    // Simulations, in id order (group names are zero-padded ids, which sort as numbers).
    if (H5Lexists(file_, "/simulations", H5P_DEFAULT) <= 0)
      throw InputError(path + ": no group /simulations");
    Hid sims(H5Gopen2(file_, "/simulations", H5P_DEFAULT));
    if (!sims.valid()) throw InputError(path + ": /simulations is not a group");
    H5G_info_t info;
    if (H5Gget_info(sims.get(), &info) < 0)
      throw InputError(path + ": cannot list /simulations");
    std::vector<hsize_t> field_shape{snapshot_times_.size()};
    for (int d = grid_.dim - 1; d >= 0; --d)
      field_shape.push_back(static_cast<hsize_t>(grid_.cells[d]));
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      char name[256] = {0};
      if (H5Lget_name_by_idx(sims.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                             H5P_DEFAULT) < 0)
        throw InputError(path + ": cannot read the name of simulation group " +
                         std::to_string(i));
      const std::string where = std::string("/simulations/") + name;
      Hid g(H5Gopen2(sims.get(), name, H5P_DEFAULT));
      if (!g.valid()) throw InputError(path + ": " + where + " is not a group");
      StudyFileSimulation s;
      try {
        const std::vector<long long> id = h5::read_attr_integers(g.get(), "id", path);
        if (id.size() != 1 || id[0] < 0) throw InputError(path + ": " + where + " has a bad id");
        s.id = static_cast<int>(id[0]);
        s.status = h5::has_attr(g.get(), "status") ? h5::read_attr_string(g.get(), "status", path)
                                                   : "ok";
        s.parameter_names = h5::read_attr_strings(g.get(), "parameter_names", path);
        s.parameter_values = h5::read_attr_doubles(g.get(), "parameter_values", path);
      } catch (const RuntimeError& e) {
        throw InputError(std::string(e.what()) + " (" + where + ")");
      }
      if (s.parameter_names.size() != s.parameter_values.size())
        throw InputError(path + ": " + where + " has " +
                         std::to_string(s.parameter_names.size()) + " parameter names but " +
                         std::to_string(s.parameter_values.size()) + " values");
      if (!simulations_.empty() && s.parameter_names != simulations_.front().parameter_names)
        throw InputError(path + ": " + where +
                         " has other parameter names than the file's first simulation");
      const std::vector<hsize_t> tdims = dataset_dims(g.get(), "times", path + " " + where);
      if (tdims != std::vector<hsize_t>{snapshot_times_.size()})
        throw InputError(path + ": " + where + "/times has shape " + shape_text(tdims) +
                         ", expected [" + std::to_string(snapshot_times_.size()) + "]");
      {
        Hid ds(H5Dopen2(g.get(), "times", H5P_DEFAULT));
        s.times = h5::read_doubles(ds.get(), where + "/times", path);
      }
      for (const std::string& f : fields_) {
        const std::vector<hsize_t> dims = dataset_dims(g.get(), f, path + " " + where);
        if (dims != field_shape)
          throw InputError(path + ": " + where + "/" + f + " has shape " + shape_text(dims) +
                           ", expected " + shape_text(field_shape) +
                           " (snapshots, then the grid's cells slowest first)");
      }
      simulations_.push_back(std::move(s));
    }
    if (simulations_.empty()) throw InputError(path + ": /simulations holds no simulation");
  } catch (...) {
    H5Fclose(file_);
    file_ = -1;
    throw;
  }
}

StudyReader::~StudyReader() {
  if (file_ >= 0) H5Fclose(file_);
}

long long StudyReader::field_bytes() const {
  return static_cast<long long>(simulations_.size()) *
         static_cast<long long>(snapshot_times_.size()) *
         static_cast<long long>(fields_.size()) * grid_.total_cells() *
         static_cast<long long>(sizeof(double));
}

void StudyReader::read_snapshot(std::size_t index, int k, std::vector<double>& out) const {
  const StudyFileSimulation& s = simulations_.at(index);
  const auto cells = static_cast<std::size_t>(grid_.total_cells());
  out.resize(fields_.size() * cells);
  char group[32];
  std::snprintf(group, sizeof group, "%06d", s.id);
  // Snapshot k of a [n, (nz,) (ny,) nx] dataset: one hyperslab, one chunk as surge writes it.
  std::vector<hsize_t> start{static_cast<hsize_t>(k)}, count{1};
  for (int d = grid_.dim - 1; d >= 0; --d) {
    start.push_back(0);
    count.push_back(static_cast<hsize_t>(grid_.cells[d]));
  }
  h5::Quiet quiet;
  Hid memory = h5::check(H5Screate_simple(1, std::vector<hsize_t>{cells}.data(), nullptr),
                         "create a memory space", path_);
  for (std::size_t f = 0; f < fields_.size(); ++f) {
    const std::string name = std::string("/simulations/") + group + "/" + fields_[f];
    Hid ds = h5::check(H5Dopen2(file_, name.c_str(), H5P_DEFAULT), "open " + name, path_);
    Hid space = h5::check(H5Dget_space(ds.get()), "get the dataspace of " + name, path_);
    h5::check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                  count.data(), nullptr),
              "select snapshot " + std::to_string(k) + " of " + name, path_);
    h5::check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, memory.get(), space.get(), H5P_DEFAULT,
                      out.data() + f * cells),
              "read snapshot " + std::to_string(k) + " of " + name, path_);
  }
}

}  // namespace surge
