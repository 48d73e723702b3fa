// StudyReader: a study written by StudyWriter reads back value for value; damaged files (the
// bad inputs of surge train) are refused at construction with an InputError naming the file
// and what is wrong.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/study_reader.hpp"
#include "io/study_writer.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFields{"rho", "p"};
const std::vector<double> kTimes{0.0, 0.25, 0.5};

Grid grid2d() {
  Grid g;
  g.dim = 2;
  g.cells = {5, 3, 1};
  g.lower = {0.0, -1.0, 0.0};
  g.upper = {1.0, 1.0, 1.0};
  return g;
}

double value(int sim, int k, int f, int i) { return 1000.0 * sim + 100.0 * k + 10.0 * f + i; }

// A study of simulations 3 and 7 (ids need not start at 0); simulation 7 reaches 2 snapshots.
std::string write_study(const std::string& dir) {
  const std::string path = dir + "/study.h5";
  const Grid g = grid2d();
  std::vector<SimulationSpec> specs(2);
  specs[0].id = 3;
  specs[1].id = 7;
  for (auto& s : specs) {
    s.parameter_names = {"a", "b"};
    s.parameter_values = {0.5 * s.id, -1.0 * s.id};
  }
  StudyWriter writer(test::world(), path, false, g, kFields, kTimes, specs, "study: {}\n");
  Block block;
  block.extent = g.cells;
  for (const auto& s : specs) {
    for (int k = 0; k < (s.id == 7 ? 2 : 3); ++k) {
      std::vector<double> data;
      for (int f = 0; f < 2; ++f)
        for (int i = 0; i < g.total_cells(); ++i) data.push_back(value(s.id, k, f, i));
      writer.write(s.id, k, kTimes[static_cast<std::size_t>(k)], block, data, true);
    }
  }
  writer.finish({{3, "ok", ""}, {7, "failed", "blew up"}});
  return path;
}

// Expects the StudyReader of `path` to throw an InputError whose message holds `path` and
// `what`.
void expect_refused(const std::string& path, const std::string& what) {
  try {
    StudyReader reader(path);
    ADD_FAILURE() << path << " was accepted; expected an error about '" << what << "'";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

// A copy of `good` changed by `damage` (the HDF5 file opened read-write).
std::string damaged(const std::string& good, const std::string& name,
                    const std::function<void(hid_t)>& damage) {
  const std::string path = fs::path(good).parent_path() / (name + ".h5");
  fs::copy_file(good, path, fs::copy_options::overwrite_existing);
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  EXPECT_GE(file, 0);
  damage(file);
  H5Fclose(file);
  return path;
}

void set_int_attr(hid_t file, const char* name, int v) {
  hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_INT, &v);
  H5Aclose(attr);
}

// Replaces dataset `name` by one of shape `dims` (doubles, zero).
void replace_dataset(hid_t file, const char* name, const std::vector<hsize_t>& dims) {
  H5Ldelete(file, name, H5P_DEFAULT);
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t ds = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(ds);
  H5Sclose(space);
}

class StudyReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::scratch_dir("io_reader");
    path_ = write_study(dir_);
  }
  std::string dir_, path_;
};

TEST_F(StudyReaderTest, ReadsBackWhatWasWritten) {
  if (test::world().rank() != 0) return;
  StudyReader r(path_);
  EXPECT_EQ(r.fields(), kFields);
  EXPECT_EQ(r.grid().dim, 2);
  EXPECT_EQ(r.grid().cells, grid2d().cells);
  EXPECT_EQ(r.grid().lower, grid2d().lower);
  EXPECT_EQ(r.snapshot_times(), kTimes);
  EXPECT_DOUBLE_EQ(r.every(), 0.25);
  EXPECT_EQ(r.config(), "study: {}\n");
  ASSERT_EQ(r.simulations().size(), 2u);
  EXPECT_EQ(r.simulations()[0].id, 3);
  EXPECT_EQ(r.simulations()[1].id, 7);
  EXPECT_EQ(r.simulations()[0].status, "ok");
  EXPECT_EQ(r.simulations()[1].status, "failed");
  EXPECT_EQ(r.simulations()[1].parameter_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.simulations()[1].parameter_values, (std::vector<double>{3.5, -7.0}));
  EXPECT_TRUE(std::isnan(r.simulations()[1].times[2]));  // never reached
  EXPECT_EQ(r.field_bytes(), 2LL * 3 * 2 * 15 * 8);
  std::vector<double> out;
  for (std::size_t s = 0; s < 2; ++s) {
    const int id = r.simulations()[s].id;
    r.read_snapshot(s, 1, out);
    ASSERT_EQ(out.size(), 30u);
    for (int f = 0; f < 2; ++f)
      for (int i = 0; i < 15; ++i) EXPECT_EQ(out[static_cast<std::size_t>(f * 15 + i)], value(id, 1, f, i));
  }
}

TEST_F(StudyReaderTest, RefusesDamagedFiles) {
  if (test::world().rank() != 0) return;
  expect_refused(dir_ + "/none.h5", "no such study file");
  {
    std::ofstream(dir_ + "/half.h5.partial") << "x";
    expect_refused(dir_ + "/half.h5", "has not finished");
  }
  {
    std::ofstream(dir_ + "/text.h5") << "not HDF5\n";
    expect_refused(dir_ + "/text.h5", "cannot be opened as an HDF5 file");
  }
  expect_refused(damaged(path_, "incomplete", [](hid_t f) { set_int_attr(f, "complete", 0); }),
                 "not complete");
  expect_refused(damaged(path_, "version", [](hid_t f) { set_int_attr(f, "format_version", 9); }),
                 "format_version 9");
  expect_refused(damaged(path_, "format", [](hid_t f) { H5Adelete(f, "format"); }),
                 "not a surge study file");
  expect_refused(damaged(path_, "nofield",
                         [](hid_t f) { H5Ldelete(f, "/simulations/000007/p", H5P_DEFAULT); }),
                 "no dataset 'p'");
  expect_refused(damaged(path_, "shape",
                         [](hid_t f) { replace_dataset(f, "/simulations/000003/rho", {3, 5, 3}); }),
                 "/simulations/000003/rho has shape [3, 5, 3], expected [3, 3, 5]");
  expect_refused(damaged(path_, "times",
                         [](hid_t f) { replace_dataset(f, "/simulations/000003/times", {2}); }),
                 "/simulations/000003/times has shape [2], expected [3]");
  expect_refused(damaged(path_, "uneven",
                         [](hid_t f) {
                           const double t[3] = {0.0, 0.25, 0.75};
                           hid_t ds = H5Dopen2(f, "/snapshot_times", H5P_DEFAULT);
                           H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t);
                           H5Dclose(ds);
                         }),
                 "evenly spaced");
  expect_refused(damaged(path_, "nogrid", [](hid_t f) { H5Ldelete(f, "/grid", H5P_DEFAULT); }),
                 "no group /grid");
}

}  // namespace
}  // namespace surge
