// StudyWriter file safety: a finished file appears only at finish(), an existing result is
// never lost to a refused or failed run, stale partial files are replaced, and errors are
// surge errors thrown on every rank together.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/study_writer.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kFields{"u"};
const std::vector<double> kTimes{0.0, 1.0};

Grid grid8() {
  Grid g;
  g.dim = 1;
  g.cells = {8, 1, 1};
  return g;
}

std::vector<SimulationSpec> two_simulations() {
  std::vector<SimulationSpec> out(2);
  out[0].id = 0;
  out[1].id = 1;
  return out;
}

std::unique_ptr<StudyWriter> open_writer(const std::string& path, bool overwrite) {
  return std::make_unique<StudyWriter>(test::world(), path, overwrite, grid8(), kFields, kTimes,
                                       two_simulations(), "a: 1\n");
}

// Every rank writes its share of snapshot 0 of simulation 0 (value = global cell index).
void write_some(StudyWriter& w) {
  Comm world = test::world();
  Block b;
  b.offset[0] = 8 * world.rank() / world.size();
  b.extent[0] = 8 * (world.rank() + 1) / world.size() - b.offset[0];
  std::vector<double> data;
  for (int i = 0; i < b.extent[0]; ++i) data.push_back(b.offset[0] + i);
  w.write(0, 0, 0.0, b, data, world.rank() == 0);
}

void write_text(const std::string& path, const std::string& text) {
  if (test::world().rank() == 0) std::ofstream(path, std::ios::binary) << text;
  test::world().barrier();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// -1 when the file or the attribute cannot be read.
int complete_flag(const std::string& path) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return -1;
  int value = -1;
  hid_t a = H5Aopen(f, "complete", H5P_DEFAULT);
  if (a >= 0) {
    if (H5Aread(a, H5T_NATIVE_INT, &value) < 0) value = -1;
    H5Aclose(a);
  }
  H5Fclose(f);
  return value;
}

TEST(StudyWriterSafety, RefusesExistingPathOnEveryRankAndLeavesItUntouched) {
  const std::string dir = test::scratch_dir("io-refuse");
  const std::string path = dir + "/study.h5";
  write_text(path, "previous result\n");
  try {
    open_writer(path, false);
    ADD_FAILURE() << "no InputError on rank " << test::world().rank();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path + " exists"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
  }
  test::world().barrier();
  EXPECT_EQ(read_text(path), "previous result\n");
  EXPECT_FALSE(fs::exists(path + ".partial"));
}

TEST(StudyWriterSafety, OnlyPartialExistsUntilFinish) {
  const std::string dir = test::scratch_dir("io-partial");
  const std::string path = dir + "/study.h5";
  auto w = open_writer(path, false);
  write_some(*w);
  test::world().barrier();
  if (test::world().rank() == 0) {
    EXPECT_TRUE(fs::exists(path + ".partial"));
    EXPECT_FALSE(fs::exists(path));
    // The layout was flushed by the constructor, so the running file is already readable.
    EXPECT_EQ(complete_flag(path + ".partial"), 0);
  }
  test::world().barrier();
  w->finish({{0, "ok", ""}, {1, "not_run", ""}});
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".partial"));
  EXPECT_TRUE(fs::exists(dir + "/study.xmf"));
  if (test::world().rank() == 0) {
    EXPECT_EQ(complete_flag(path), 1);
  }
  test::world().barrier();
}

TEST(StudyWriterSafety, DestroyedWithoutFinishLeavesOnlyPartial) {
  const std::string dir = test::scratch_dir("io-killed");
  const std::string path = dir + "/study.h5";
  {
    auto w = open_writer(path, false);
    write_some(*w);
  }
  test::world().barrier();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(dir + "/study.xmf"));
  if (test::world().rank() == 0) {
    ASSERT_TRUE(fs::exists(path + ".partial"));
    EXPECT_EQ(complete_flag(path + ".partial"), 0);
    // What was written before the end is still there for a post-mortem.
    const auto u = read_study_field(path + ".partial", 0, "u");
    ASSERT_EQ(u.size(), 16u);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(u[i], i);
    for (int i = 8; i < 16; ++i) EXPECT_TRUE(std::isnan(u[i]));
  }
  test::world().barrier();
}

TEST(StudyWriterSafety, OverwriteReplacesOnlyAtFinish) {
  const std::string dir = test::scratch_dir("io-overwrite");
  const std::string path = dir + "/study.h5";
  write_text(path, "previous result\n");
  {
    auto w = open_writer(path, true);
    write_some(*w);
    test::world().barrier();
    EXPECT_EQ(read_text(path), "previous result\n");
  }  // a failed run: the previous result must survive
  test::world().barrier();
  EXPECT_EQ(read_text(path), "previous result\n");

  auto w = open_writer(path, true);
  write_some(*w);
  w->finish({{0, "ok", ""}, {1, "ok", ""}});
  if (test::world().rank() == 0) {
    EXPECT_EQ(complete_flag(path), 1);
    EXPECT_EQ(read_study_field(path, 0, "u")[3], 3.0);
  }
  test::world().barrier();
}

TEST(StudyWriterSafety, StalePartialIsReplaced) {
  const std::string dir = test::scratch_dir("io-stale");
  const std::string path = dir + "/study.h5";
  // Larger than the new file, so leftover bytes would show if it were not replaced.
  write_text(path + ".partial", std::string(1 << 20, 'x'));
  auto w = open_writer(path, false);
  write_some(*w);
  w->finish({{0, "ok", ""}, {1, "ok", ""}});
  if (test::world().rank() == 0) {
    EXPECT_EQ(complete_flag(path), 1);
    EXPECT_LT(fs::file_size(path), std::uintmax_t{1} << 20);
    EXPECT_EQ(read_study_field(path, 0, "u")[7], 7.0);
  }
  test::world().barrier();
}

TEST(StudyWriterSafety, HDF5FailureIsARuntimeErrorNamingTheFile) {
  const std::string path = test::scratch_dir("io-nodir") + "/missing/study.h5";
  try {
    open_writer(path, false);
    ADD_FAILURE() << "no RuntimeError on rank " << test::world().rank();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ".partial"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("create the file"), std::string::npos) << e.what();
  }
  test::world().barrier();
}

TEST(StudyWriterSafety, ReaderNamesWhatIsMissing) {
  const std::string dir = test::scratch_dir("io-reader");
  const std::string path = dir + "/study.h5";
  auto w = open_writer(path, false);
  w->finish({});
  EXPECT_THROW(read_study_field(dir + "/nothing.h5", 0, "u"), InputError);
  EXPECT_THROW(read_study_field(path, 7, "u"), InputError);
  EXPECT_THROW(read_study_field(path, 0, "rho"), InputError);
  write_text(dir + "/text.h5", "not HDF5");
  EXPECT_THROW(read_study_field(dir + "/text.h5", 0, "u"), InputError);
  // finish() without statuses marks everything not_run and the data stay NaN.
  const auto u = read_study_field(path, 1, "u");
  ASSERT_EQ(u.size(), 16u);
  for (double x : u) EXPECT_TRUE(std::isnan(x));
}

}  // namespace
}  // namespace surge
