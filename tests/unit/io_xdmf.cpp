// The XDMF sidecar of a study file: where it goes, what it references, which snapshots it
// lists, and (where python3 is installed) that it is well-formed XML.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/study_writer.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// Simulation 3 reaches all three snapshots, 4 fails after the first, 9 never runs.
std::string write_study(const std::string& path, const Grid& grid) {
  std::vector<SimulationSpec> specs(3);
  specs[0].id = 3;
  specs[1].id = 4;
  specs[2].id = 9;
  const std::vector<std::string> fields{"u", "rho&e"};
  StudyWriter w(test::world(), path, false, grid, fields, {0.0, 0.5, 1.0}, specs, "x: 1\n");
  Block all;
  all.extent = grid.cells;
  std::vector<double> data(2 * all.size(), 1.0);
  for (int k = 0; k < 3; ++k) w.write(3, k, 0.5 * k, all, data, true);
  w.write(4, 0, 0.0, all, data, true);
  w.finish({{3, "ok", ""}, {4, "failed", "blew up"}, {9, "not_run", ""}});
  return read_text(fs::path(path).replace_extension(".xmf").string());
}

// Parses the file with python3's minidom when python3 is there; true otherwise.
bool well_formed(const std::string& path) {
  if (std::system("python3 -c 'import xml.dom.minidom' >/dev/null 2>&1") != 0) return true;
  const std::string cmd =
      "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' '" + path + "'";
  return std::system(cmd.c_str()) == 0;
}

TEST(StudyXdmf, TwoDimensionalSidecarReferencesEveryReachedSnapshot) {
  const std::string dir = test::scratch_dir("io-xdmf-2d");
  Grid g;
  g.dim = 2;
  g.cells = {8, 5, 1};
  g.lower = {0.0, -1.0, 0.0};
  g.upper = {2.0, 1.0, 1.0};
  const std::string xmf = write_study(dir + "/run.h5", g);
  ASSERT_FALSE(xmf.empty());
  EXPECT_FALSE(fs::exists(dir + "/run.xmf.partial"));
  EXPECT_TRUE(well_formed(dir + "/run.xmf"));

  EXPECT_TRUE(contains(xmf, "<Xdmf Version=\"3.0\""));
  EXPECT_EQ(count(xmf, "CollectionType=\"Temporal\""), 2);  // 3 and 4, not the one never run
  EXPECT_EQ(count(xmf, "<Time "), 4);                       // 3 + 1 reached snapshots
  EXPECT_EQ(count(xmf, "TopologyType=\"2DCoRectMesh\" Dimensions=\"6 9\""), 4);
  EXPECT_EQ(count(xmf, "GeometryType=\"ORIGIN_DXDY\""), 4);
  EXPECT_TRUE(contains(xmf, ">-1 0</DataItem>"));                      // origin y x
  EXPECT_TRUE(contains(xmf, ">0.40000000000000002 0.25</DataItem>"));  // spacing dy dx
  EXPECT_EQ(count(xmf, "run.h5:/simulations/000003/u<"), 3);
  EXPECT_EQ(count(xmf, "run.h5:/simulations/000003/rho&amp;e<"), 3);
  EXPECT_EQ(count(xmf, "run.h5:/simulations/000004/u<"), 1);
  EXPECT_FALSE(contains(xmf, "000009"));
  EXPECT_EQ(count(xmf, "Center=\"Cell\""), 8);
  EXPECT_TRUE(contains(xmf, "Dimensions=\"1 5 8\""));           // one snapshot
  EXPECT_TRUE(contains(xmf, "Dimensions=\"3 5 8\""));           // the whole dataset
  EXPECT_TRUE(contains(xmf, ">2 0 0 1 1 1 1 5 8</DataItem>"));  // start, stride, count of k = 2
  EXPECT_TRUE(contains(xmf, "<Time Value=\"0.5\"/>"));
}

TEST(StudyXdmf, OneDimensionalGridIsOneRowOfCells) {
  const std::string dir = test::scratch_dir("io-xdmf-1d");
  Grid g;
  g.dim = 1;
  g.cells = {16, 1, 1};
  const std::string xmf = write_study(dir + "/line.h5", g);
  EXPECT_TRUE(well_formed(dir + "/line.xmf"));
  EXPECT_EQ(count(xmf, "TopologyType=\"2DCoRectMesh\" Dimensions=\"2 17\""), 4);
  EXPECT_TRUE(contains(xmf, "Dimensions=\"1 16\""));
  EXPECT_TRUE(contains(xmf, "Dimensions=\"3 16\""));
  EXPECT_TRUE(contains(xmf, ">1 0 1 1 1 16</DataItem>"));
  EXPECT_EQ(count(xmf, "line.h5:/simulations/000003/u<"), 3);
}

TEST(StudyXdmf, SidecarNameAppendsXmfUnlessTheFileEndsInH5) {
  const std::string dir = test::scratch_dir("io-xdmf-name");
  Grid g;
  g.cells = {4, 1, 1};
  std::vector<SimulationSpec> specs(1);
  StudyWriter w(test::world(), dir + "/study.hdf", false, g, {"u"}, {0.0}, specs, "");
  w.finish({{0, "ok", ""}});
  EXPECT_TRUE(fs::exists(dir + "/study.hdf"));
  EXPECT_TRUE(fs::exists(dir + "/study.hdf.xmf"));
  // Nothing reached: the simulation is listed with no snapshots.
  const std::string xmf = read_text(dir + "/study.hdf.xmf");
  EXPECT_EQ(count(xmf, "<Time "), 0);
  EXPECT_TRUE(well_formed(dir + "/study.hdf.xmf"));
}

}  // namespace
}  // namespace surge
