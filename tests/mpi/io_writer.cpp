// StudyWriter round trip: groups of ranks write different simulations in different orders,
// each group decomposing the grid among its ranks; rank 0 then reads everything back and
// checks every value, the NaN of unwritten snapshots and the attributes.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/study_writer.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

// ---- reading attributes back with the plain HDF5 API (what an external tool would do) ----

struct File {
  hid_t id;
  explicit File(const std::string& path) : id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {}
  ~File() {
    if (id >= 0) H5Fclose(id);
  }
};

std::vector<std::string> read_strings(hid_t file, const std::string& obj, const std::string& name) {
  hid_t attr = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (attr < 0) return {"<missing " + obj + "@" + name + ">"};
  hid_t space = H5Aget_space(attr);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  std::vector<char*> raw(n, nullptr);
  std::vector<std::string> out;
  if (n == 0 || H5Aread(attr, type, raw.data()) >= 0) {
    for (char* s : raw) out.emplace_back(s ? s : "");
    if (n > 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Aclose(attr);
  return out;
}

std::string read_string(hid_t file, const std::string& obj, const std::string& name) {
  auto v = read_strings(file, obj, name);
  return v.size() == 1 ? v[0] : "<not one string>";
}

template <class T>
std::vector<T> read_numbers(hid_t file, const std::string& obj, const std::string& name,
                            hid_t mem_type) {
  hid_t attr = H5Aopen_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  if (attr < 0) return {};
  hid_t space = H5Aget_space(attr);
  std::vector<T> out(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  if (!out.empty()) H5Aread(attr, mem_type, out.data());
  H5Sclose(space);
  H5Aclose(attr);
  return out;
}

std::vector<double> read_doubles(hid_t f, const std::string& obj, const std::string& name) {
  return read_numbers<double>(f, obj, name, H5T_NATIVE_DOUBLE);
}
std::vector<int> read_ints(hid_t f, const std::string& obj, const std::string& name) {
  return read_numbers<int>(f, obj, name, H5T_NATIVE_INT);
}
std::vector<int> read_int_dataset(hid_t f, const std::string& path) {
  hid_t ds = H5Dopen2(f, path.c_str(), H5P_DEFAULT);
  if (ds < 0) return {-1};
  hid_t space = H5Dget_space(ds);
  std::vector<int> out(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  if (!out.empty()) H5Dread(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  H5Sclose(space);
  H5Dclose(ds);
  return out;
}

// ---- the study every test writes ----

const std::vector<std::string> kFields{"u", "v"};
const std::vector<double> kTimes{0.0, 0.25, 0.5, 0.75};
const std::string kConfig =
    "study:\n  simulations: 5   # résolu\n  seed: 42\nsolver:\n  type: burgers\n";

// Ids are deliberately not 0..n-1; 11 never runs, 8 fails after two snapshots.
std::vector<SimulationSpec> specs() {
  std::vector<SimulationSpec> out;
  for (int id : {0, 3, 5, 8, 11}) {
    SimulationSpec s;
    s.id = id;
    s.parameter_names = {"nu", "amplitude"};
    s.parameter_values = {0.01 * (id + 1), 1.0 + id};
    s.seed = (std::uint64_t{1} << 63) + static_cast<std::uint64_t>(id);
    out.push_back(s);
  }
  return out;
}

int reached(int id) {
  if (id == 11) return 0;
  if (id == 8) return 2;
  return static_cast<int>(kTimes.size());
}

double value(int id, int k, int field, long long global_index) {
  return id * 1000.0 + k + field * 0.5 + global_index * 1e-3;
}

double time_of(int id, int k) {
  return kTimes[static_cast<std::size_t>(k)] + id * 1e-6;
}

std::vector<SimulationStatus> statuses() {
  return {{0, "ok", ""},
          {3, "ok", ""},
          {5, "ok", ""},
          {8, "failed", "NaN in u at t = 0.3"},
          {11, "not_run", ""}};
}

Grid make_grid(int dim) {
  Grid g;
  g.dim = dim;
  g.cells = dim == 1 ? std::array<int, 3>{13, 1, 1} : std::array<int, 3>{11, 6, 1};
  g.lower = {-1.0, 0.0, 0.0};
  g.upper = {1.0, 3.0, 1.0};
  return g;
}

// Runs the whole study on the world: two groups when the rank count is even and above one,
// each cutting x into contiguous pieces among its ranks.
std::string write_study(int dim, const std::string& name) {
  Comm world = test::world();
  const std::string dir = test::scratch_dir(name);
  const std::string path = dir + "/study.h5";
  const Grid grid = make_grid(dim);
  const auto all = specs();

  const int groups = (world.size() >= 2 && world.size() % 2 == 0) ? 2 : 1;
  const int group = world.rank() % groups;  // interleaved, so groups are not rank blocks
  Comm comm = world.split(group, world.rank());

  Block block;
  const int nx = grid.cells[0];
  block.offset[0] = nx * comm.rank() / comm.size();
  block.extent[0] = nx * (comm.rank() + 1) / comm.size() - block.offset[0];
  block.extent[1] = grid.cells[1];

  StudyWriter writer(world, path, false, grid, kFields, kTimes, all, kConfig);
  std::vector<int> mine;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (static_cast<int>(i) % groups == group) mine.push_back(all[i].id);
  }
  if (group == 1) std::reverse(mine.begin(), mine.end());
  for (int id : mine) {
    std::vector<int> ks;
    for (int k = 0; k < reached(id); ++k) ks.push_back(k);
    if (group == 1) std::reverse(ks.begin(), ks.end());
    for (int k : ks) {
      std::vector<double> data;
      for (int f = 0; f < static_cast<int>(kFields.size()); ++f) {
        for (int j = 0; j < block.extent[1]; ++j) {
          for (int i = 0; i < block.extent[0]; ++i) {
            const long long gi = 1LL * (block.offset[1] + j) * nx + block.offset[0] + i;
            data.push_back(value(id, k, f, gi));
          }
        }
      }
      writer.write(id, k, time_of(id, k), block, data, comm.rank() == 0);
    }
  }
  writer.finish(statuses());
  return path;
}

void check_values(const std::string& path, const Grid& grid) {
  const long long cells = grid.total_cells();
  for (const auto& spec : specs()) {
    const int id = spec.id;
    const auto times = read_study_field(path, id, "times");
    ASSERT_EQ(times.size(), kTimes.size());
    for (int k = 0; k < static_cast<int>(kTimes.size()); ++k) {
      if (k < reached(id)) {
        EXPECT_EQ(times[k], time_of(id, k)) << "sim " << id << " k " << k;
      } else {
        EXPECT_TRUE(std::isnan(times[k])) << "sim " << id << " k " << k;
      }
    }
    for (int f = 0; f < static_cast<int>(kFields.size()); ++f) {
      const auto v = read_study_field(path, id, kFields[f]);
      ASSERT_EQ(v.size(), kTimes.size() * static_cast<std::size_t>(cells));
      int bad = 0;
      for (int k = 0; k < static_cast<int>(kTimes.size()); ++k) {
        for (long long gi = 0; gi < cells; ++gi) {
          const double got = v[static_cast<std::size_t>(k * cells + gi)];
          const bool ok = k < reached(id) ? got == value(id, k, f, gi) : std::isnan(got);
          if (!ok && ++bad <= 5) {
            ADD_FAILURE() << "sim " << id << " field " << kFields[f] << " k " << k << " cell " << gi
                          << ": " << got;
          }
        }
      }
      EXPECT_EQ(bad, 0);
    }
  }
}

TEST(StudyWriter, RoundTrip1DWithGroupsInAnyOrder) {
  const std::string path = write_study(1, "io-writer-1d");
  if (test::world().rank() == 0) check_values(path, make_grid(1));
  test::world().barrier();
}

TEST(StudyWriter, RoundTrip2DWithStridedBlocks) {
  const std::string path = write_study(2, "io-writer-2d");
  if (test::world().rank() == 0) check_values(path, make_grid(2));
  test::world().barrier();
}

TEST(StudyWriter, AttributesDescribeTheStudy) {
  const std::string path = write_study(2, "io-writer-attrs");
  if (test::world().rank() == 0) {
    File file(path);
    ASSERT_GE(file.id, 0);
    const hid_t f = file.id;
    EXPECT_EQ(read_string(f, "/", "format"), "surge-study");
    EXPECT_EQ(read_ints(f, "/", "format_version"), std::vector<int>{1});
    EXPECT_EQ(read_ints(f, "/", "complete"), std::vector<int>{1});
    EXPECT_EQ(read_string(f, "/", "config"), kConfig);
    EXPECT_EQ(read_string(f, "/", "surge_version"), SURGE_VERSION);
    EXPECT_EQ(read_strings(f, "/", "fields"), kFields);
    // A whole study: shard 0 of 1, its simulations' ids as they are.
    EXPECT_EQ(read_ints(f, "/", "shard_index"), std::vector<int>{0});
    EXPECT_EQ(read_ints(f, "/", "shard_count"), std::vector<int>{1});
    EXPECT_EQ(read_ints(f, "/", "study_simulations"), std::vector<int>{5});
    EXPECT_EQ(read_int_dataset(f, "/simulation_ids"), (std::vector<int>{0, 3, 5, 8, 11}));

    EXPECT_EQ(read_ints(f, "/grid", "dim"), std::vector<int>{2});
    EXPECT_EQ(read_ints(f, "/grid", "cells"), (std::vector<int>{11, 6}));
    EXPECT_EQ(read_doubles(f, "/grid", "lower"), (std::vector<double>{-1.0, 0.0}));
    EXPECT_EQ(read_doubles(f, "/grid", "upper"), (std::vector<double>{1.0, 3.0}));

    for (const auto& spec : specs()) {
      char name[32];
      std::snprintf(name, sizeof name, "/simulations/%06d", spec.id);
      EXPECT_EQ(read_ints(f, name, "id"), std::vector<int>{spec.id});
      EXPECT_EQ(read_numbers<std::uint64_t>(f, name, "seed", H5T_NATIVE_UINT64),
                std::vector<std::uint64_t>{spec.seed});
      EXPECT_EQ(read_strings(f, name, "parameter_names"), spec.parameter_names);
      EXPECT_EQ(read_doubles(f, name, "parameter_values"), spec.parameter_values);
      EXPECT_EQ(read_doubles(f, name, "nu"), std::vector<double>{spec.parameter_values[0]});
      EXPECT_EQ(read_doubles(f, name, "amplitude"), std::vector<double>{spec.parameter_values[1]});
      for (const auto& st : statuses()) {
        if (st.id != spec.id) continue;
        EXPECT_EQ(read_string(f, name, "status"), st.status) << name;
        EXPECT_EQ(read_string(f, name, "message"), st.message) << name;
      }
    }
  }
  test::world().barrier();
  if (test::world().rank() == 0) {
    // Cell centres, read like a field would be by an external tool.
    File file(path);
    hid_t ds = H5Dopen2(file.id, "/grid/y", H5P_DEFAULT);
    ASSERT_GE(ds, 0);
    std::vector<double> y(6);
    H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, y.data());
    H5Dclose(ds);
    for (int j = 0; j < 6; ++j) EXPECT_DOUBLE_EQ(y[j], 0.25 + 0.5 * j);
  }
  test::world().barrier();
}

TEST(StudyWriter, ShardAttributesSayWhichPartOfTheStudy) {
  Comm world = test::world();
  const std::string dir = test::scratch_dir("io-writer-shard");
  const std::string path = dir + "/shard.h5";
  auto some = specs();
  std::reverse(some.begin(), some.end());  // any order in, ascending ids out
  {
    StudyWriter w(world, path, false, make_grid(1), kFields, kTimes, some, kConfig,
                  StudyShard{2, 4, 20});
    w.finish({});
  }
  if (world.rank() == 0) {
    File file(path);
    ASSERT_GE(file.id, 0);
    EXPECT_EQ(read_ints(file.id, "/", "shard_index"), std::vector<int>{2});
    EXPECT_EQ(read_ints(file.id, "/", "shard_count"), std::vector<int>{4});
    EXPECT_EQ(read_ints(file.id, "/", "study_simulations"), std::vector<int>{20});
    EXPECT_EQ(read_int_dataset(file.id, "/simulation_ids"), (std::vector<int>{0, 3, 5, 8, 11}));
    EXPECT_EQ(read_string(file.id, "/simulations/000011", "status"), "not_run");
  }
  world.barrier();
  // Shards that cannot hold these simulations: refused on every rank before any file exists.
  for (const StudyShard& bad : {StudyShard{4, 4, 20}, StudyShard{0, 0, 20}, StudyShard{-1, 2, 20},
                                StudyShard{0, 2, 4}, StudyShard{0, 2, 11}}) {
    EXPECT_THROW(StudyWriter(world, dir + "/bad.h5", false, make_grid(1), kFields, kTimes, specs(),
                             kConfig, bad),
                 RuntimeError)
        << bad.index << "/" << bad.count << " of " << bad.simulations;
  }
  world.barrier();
  if (world.rank() == 0) {
    EXPECT_FALSE(std::filesystem::exists(dir + "/bad.h5.partial"));
  }
}

}  // namespace
}  // namespace surge
