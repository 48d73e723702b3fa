// Scalar initial conditions: random_fourier, expression, hdf5.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "study/gauss_legendre.hpp"
#include "study/initial_condition.hpp"
#include "study/random_fourier.hpp"
#include "support/test_support.hpp"

namespace surge {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559005768;

Grid grid_1d(int nx, double lower = 0.3, double upper = 2.3) {
  Grid g;
  g.dim = 1;
  g.cells = {nx, 1, 1};
  g.lower = {lower, 0, 0};
  g.upper = {upper, 1, 1};
  return g;
}

Grid grid_2d(int nx, int ny) {
  Grid g;
  g.dim = 2;
  g.cells = {nx, ny, 1};
  g.lower = {-1.0, 0.5, 0};
  g.upper = {1.0, 2.0, 1};
  return g;
}

Block whole(const Grid& g) {
  Block b;
  b.extent = g.cells;
  return b;
}

SimulationSpec spec_with_seed(std::uint64_t seed) {
  SimulationSpec s;
  s.id = 3;
  s.parameter_names = {"nu", "amp"};
  s.parameter_values = {0.25, 2.0};
  s.seed = seed;
  return s;
}

std::vector<double> fill(const InitialCondition& ic, const Grid& g, const Block& b) {
  std::vector<double> out(b.size(), std::nan(""));
  ic.fill(g, b, out.data());
  return out;
}

const YAML::Node kFourier = YAML::Load(
    "type: random_fourier\nparameters: {modes: 5, max_wavenumber: 4, amplitude: 1.5, offset: 0.5}");

std::string error_of(const YAML::Node& section, const Grid& g) {
  try {
    make_initial_condition(section, spec_with_seed(1), g);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

void expect_contains(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& part : parts) EXPECT_NE(text.find(part), std::string::npos) << text;
}

// Integral of sin(a x + c) over [x0, x1] divided by its length, by the antiderivative.
double exact_average_1d(double a, double c, double x0, double x1) {
  return (std::cos(a * x0 + c) - std::cos(a * x1 + c)) / (a * (x1 - x0));
}

// Average of sin(ax x + ay y + c) over [x0, x1] x [y0, y1], by the antiderivative.
double exact_average_2d(double ax, double ay, double c, double x0, double x1, double y0,
                        double y1) {
  if (ax == 0) return exact_average_1d(ay, c, y0, y1);
  if (ay == 0) return exact_average_1d(ax, c, x0, x1);
  const auto s = [&](double x, double y) { return std::sin(ax * x + ay * y + c); };
  return -(s(x1, y1) - s(x1, y0) - s(x0, y1) + s(x0, y0)) / (ax * ay * (x1 - x0) * (y1 - y0));
}

TEST(RandomFourier, DrawsPeriodicModesWithinTheirRanges) {
  for (const Grid& g : {grid_1d(8), grid_2d(8, 8)}) {
    for (std::uint64_t seed : {1u, 2u, 3u, 4u}) {
      RandomFourier ic(g, seed, 20, 3, 1.5, 0.0);
      ASSERT_EQ(ic.modes().size(), 20u);
      for (const FourierMode& m : ic.modes()) {
        if (g.dim == 1) {
          EXPECT_GE(m.wavenumber[0], 1);
          EXPECT_LE(m.wavenumber[0], 3);
        } else {
          EXPECT_TRUE(m.wavenumber[0] != 0 || m.wavenumber[1] != 0);
          EXPECT_LE(std::abs(m.wavenumber[0]), 3);
          EXPECT_LE(std::abs(m.wavenumber[1]), 3);
        }
        EXPECT_EQ(m.wavenumber[2], 0);
        EXPECT_GE(m.amplitude, 0.0);
        EXPECT_LE(m.amplitude, 1.5);
        EXPECT_GE(m.phase, 0.0);
        EXPECT_LT(m.phase, kTwoPi);
      }
      // Periodic: the field repeats across the domain.
      const double lx = g.upper[0] - g.lower[0];
      const std::array<double, 3> p{g.lower[0] + 0.123, g.lower[1] + 0.456, 0};
      EXPECT_NEAR(ic.value_at(g, p), ic.value_at(g, {p[0] + lx, p[1], 0}), 1e-12);
    }
  }
}

TEST(RandomFourier, CellAveragesAreTheExactIntegrals1d) {
  const Grid g = grid_1d(16);
  const auto ic = make_initial_condition(kFourier, spec_with_seed(42), g);
  const auto& modes = dynamic_cast<const RandomFourier&>(*ic).modes();
  const std::vector<double> u = fill(*ic, g, whole(g));
  const double length = g.upper[0] - g.lower[0];
  for (int i = 0; i < 16; ++i) {
    double expected = 0.5;
    for (const FourierMode& m : modes) {
      const double a = kTwoPi * m.wavenumber[0] / length;
      expected += m.amplitude *
                  exact_average_1d(a, m.phase - a * g.lower[0], g.face(0, i), g.face(0, i + 1));
    }
    EXPECT_NEAR(u[i], expected, 1e-13) << "cell " << i;
  }
}

TEST(RandomFourier, CellAveragesAreTheExactIntegrals2d) {
  const Grid g = grid_2d(12, 10);
  const auto ic = make_initial_condition(kFourier, spec_with_seed(7), g);
  const auto& modes = dynamic_cast<const RandomFourier&>(*ic).modes();
  const std::vector<double> u = fill(*ic, g, whole(g));
  for (int j = 0; j < 10; ++j) {
    for (int i = 0; i < 12; ++i) {
      double expected = 0.5;
      for (const FourierMode& m : modes) {
        const double ax = kTwoPi * m.wavenumber[0] / (g.upper[0] - g.lower[0]);
        const double ay = kTwoPi * m.wavenumber[1] / (g.upper[1] - g.lower[1]);
        expected +=
            m.amplitude * exact_average_2d(ax, ay, m.phase - ax * g.lower[0] - ay * g.lower[1],
                                           g.face(0, i), g.face(0, i + 1), g.face(1, j),
                                           g.face(1, j + 1));
      }
      EXPECT_NEAR(u[j * 12 + i], expected, 1e-12) << i << "," << j;
    }
  }
}

TEST(RandomFourier, CoarseCellAverageIsTheMeanOfItsFineCells) {
  const Grid coarse = grid_2d(8, 6), fine = grid_2d(16, 12);
  const auto a = make_initial_condition(kFourier, spec_with_seed(9), coarse);
  const auto b = make_initial_condition(kFourier, spec_with_seed(9), fine);
  const std::vector<double> uc = fill(*a, coarse, whole(coarse));
  const std::vector<double> uf = fill(*b, fine, whole(fine));
  for (int j = 0; j < 6; ++j)
    for (int i = 0; i < 8; ++i) {
      const double mean = 0.25 * (uf[(2 * j) * 16 + 2 * i] + uf[(2 * j) * 16 + 2 * i + 1] +
                                  uf[(2 * j + 1) * 16 + 2 * i] + uf[(2 * j + 1) * 16 + 2 * i + 1]);
      EXPECT_NEAR(uc[j * 8 + i], mean, 1e-13);
    }
}

TEST(RandomFourier, CellAveragesConvergeToPointValuesAtSecondOrder) {
  std::vector<double> error;
  for (int n : {32, 64, 128, 256}) {
    const Grid g = grid_1d(n);
    const auto ic = make_initial_condition(kFourier, spec_with_seed(5), g);
    const auto& rf = dynamic_cast<const RandomFourier&>(*ic);
    const std::vector<double> u = fill(*ic, g, whole(g));
    double worst = 0;
    for (int i = 0; i < n; ++i)
      worst = std::max(worst, std::abs(u[i] - rf.value_at(g, {g.center(0, i), 0, 0})));
    error.push_back(worst);
  }
  for (std::size_t k = 0; k + 1 < error.size(); ++k)
    EXPECT_NEAR(error[k] / error[k + 1], 4.0, 0.1) << error[k] << " " << error[k + 1];
  EXPECT_LT(error.back(), 1e-3);
}

TEST(RandomFourier, SeedDecidesTheField) {
  const Grid g = grid_1d(32);
  const auto a = make_initial_condition(kFourier, spec_with_seed(1), g);
  const auto b = make_initial_condition(kFourier, spec_with_seed(1), g);
  const auto c = make_initial_condition(kFourier, spec_with_seed(2), g);
  EXPECT_EQ(fill(*a, g, whole(g)), fill(*b, g, whole(g)));
  EXPECT_NE(fill(*a, g, whole(g)), fill(*c, g, whole(g)));
}

// Every initial condition gives the same numbers on two half blocks as on the whole grid.
void expect_decomposition_independent(const InitialCondition& ic, const Grid& g) {
  const std::vector<double> all = fill(ic, g, whole(g));
  for (int d = 0; d < g.dim; ++d) {
    Block first = whole(g), second = whole(g);
    first.extent[d] = g.cells[d] / 2;
    second.offset[d] = first.extent[d];
    second.extent[d] = g.cells[d] - first.extent[d];
    const std::vector<double> a = fill(ic, g, first), b = fill(ic, g, second);
    for (const Block* block : {&first, &second}) {
      const std::vector<double>& part = block == &first ? a : b;
      for (int j = 0; j < block->extent[1]; ++j)
        for (int i = 0; i < block->extent[0]; ++i) {
          const int gi = block->offset[0] + i, gj = block->offset[1] + j;
          ASSERT_EQ(part[j * block->extent[0] + i], all[gj * g.cells[0] + gi])
              << "split in direction " << d << " at cell " << gi << "," << gj;
        }
    }
  }
}

TEST(InitialCondition, HalfBlocksGiveTheWholeBlockValues) {
  const YAML::Node expression = YAML::Load(
      "type: expression\nparameters: {value: 'amp*sin(3*x)*cos(y) + nu', "
      "quadrature_points: 4}");
  for (const Grid& g : {grid_1d(21), grid_2d(13, 9)}) {
    expect_decomposition_independent(*make_initial_condition(kFourier, spec_with_seed(3), g), g);
    expect_decomposition_independent(*make_initial_condition(expression, spec_with_seed(3), g), g);
  }
}

// Exact average of x^p y^q over a cell.
double monomial_average(int p, int q, double x0, double x1, double y0, double y1) {
  const double ix = (std::pow(x1, p + 1) - std::pow(x0, p + 1)) / ((p + 1) * (x1 - x0));
  const double iy = (std::pow(y1, q + 1) - std::pow(y0, q + 1)) / ((q + 1) * (y1 - y0));
  return ix * iy;
}

TEST(ExpressionCondition, ExactForPolynomialsOfDegreeBelowTwiceThePoints) {
  const Grid g = grid_2d(5, 4);
  for (int points = 1; points <= 8; ++points) {
    const int degree = 2 * points - 1;
    // nu * x^degree * y^degree + amp * x * y^(degree-1)
    const std::string text = "nu * x^" + std::to_string(degree) + " * y^" + std::to_string(degree) +
                             " + amp * x * y^" + std::to_string(degree - 1);
    const YAML::Node section = YAML::Load("type: expression\nparameters: {value: '" + text +
                                          "', quadrature_points: " + std::to_string(points) + "}");
    const auto ic = make_initial_condition(section, spec_with_seed(0), g);
    const std::vector<double> u = fill(*ic, g, whole(g));
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 5; ++i) {
        const double x0 = g.face(0, i), x1 = g.face(0, i + 1);
        const double y0 = g.face(1, j), y1 = g.face(1, j + 1);
        const double expected = 0.25 * monomial_average(degree, degree, x0, x1, y0, y1) +
                                2.0 * monomial_average(1, degree - 1, x0, x1, y0, y1);
        // Rounding scales with the largest term, |x^d y^d| <= 2^d, not with the average.
        EXPECT_NEAR(u[j * 5 + i], expected, 1e-14 * std::pow(2.0, degree))
            << points << " points, cell " << i << "," << j;
      }
    // One degree more is no longer exact: the rule really has `points` nodes.
    const Grid cell = grid_1d(1, 0.0, 2.0);
    const YAML::Node beyond =
        YAML::Load("type: expression\nparameters: {value: 'x^" + std::to_string(degree + 1) +
                   "', quadrature_points: " + std::to_string(points) + "}");
    const double v =
        fill(*make_initial_condition(beyond, spec_with_seed(0), cell), cell, whole(cell))[0];
    const double exact = monomial_average(degree + 1, 0, 0.0, 2.0, 0.0, 1.0);
    EXPECT_GT(std::abs(v - exact), 1e-11 * exact) << points << " points";
  }
}

TEST(ExpressionCondition, OneDimensionBindsYToZero) {
  const Grid g = grid_1d(4, 0.0, 1.0);
  const YAML::Node section =
      YAML::Load("type: expression\nparameters: {value: '2*x + y + nu', quadrature_points: 1}");
  const std::vector<double> u =
      fill(*make_initial_condition(section, spec_with_seed(0), g), g, whole(g));
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(u[i], 2 * g.center(0, i) + 0.25);
}

TEST(GaussLegendre, WeightsSumToTwoAndNodesAreSymmetric) {
  std::vector<double> x, w;
  for (int n = 1; n <= 8; ++n) {
    gauss_legendre(n, x, w);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      sum += w[i];
      EXPECT_NEAR(x[i], -x[n - 1 - i], 1e-15);
      if (i > 0) {
        EXPECT_LT(x[i - 1], x[i]);
      }
    }
    EXPECT_NEAR(sum, 2.0, 1e-14);
  }
  gauss_legendre(2, x, w);
  EXPECT_NEAR(x[1], 1.0 / std::sqrt(3.0), 1e-15);
}

TEST(ExpressionCondition, BadExpressionNamesTheKey) {
  expect_contains(error_of(YAML::Load("type: expression\nparameters: {value: 'sin(x', "
                                      "quadrature_points: 5}"),
                           grid_1d(4)),
                  {"solver.initial_condition.parameters.value", "sin(x"});
  expect_contains(error_of(YAML::Load("type: expression\nparameters: {value: 'x*unknown', "
                                      "quadrature_points: 5}"),
                           grid_1d(4)),
                  {"solver.initial_condition.parameters.value", "unknown"});
  expect_contains(error_of(YAML::Load("type: expression\nparameters: {value: 'x', "
                                      "quadrature_points: 9}"),
                           grid_1d(4)),
                  {"solver.initial_condition.parameters.quadrature_points", "9"});
  expect_contains(error_of(YAML::Load("type: waves\nparameters: {}"), grid_1d(4)),
                  {"solver.initial_condition.type", "waves", "random_fourier"});
}

// Writes `values` as a float64 dataset of shape `dims` (C order).
void write_dataset(const std::string& file, const std::string& name,
                   const std::vector<hsize_t>& dims, const std::vector<double>& values) {
  const hid_t f = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t d =
      H5Dcreate2(f, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Dclose(d);
  H5Sclose(space);
  H5Fclose(f);
}

YAML::Node hdf5_section(const std::string& file, const std::string& dataset) {
  YAML::Node n;
  n["type"] = "hdf5";
  n["parameters"]["file"] = file;
  n["parameters"]["dataset"] = dataset;
  return n;
}

TEST(Hdf5Condition, ReadsEachBlockFromTheGlobalArray) {
  const std::string dir = test::scratch_dir("study-ic-hdf5");
  const std::string file = dir + "/ic.h5";
  std::vector<double> values2d(6 * 10), values1d(10);
  for (int j = 0; j < 6; ++j)
    for (int i = 0; i < 10; ++i) values2d[j * 10 + i] = 100.0 * j + i + 0.5;
  for (int i = 0; i < 10; ++i) values1d[i] = -1.0 * i;
  write_dataset(file, "u", {6, 10}, values2d);
  {
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    const hsize_t n = 10;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t d =
        H5Dcreate2(f, "line", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values1d.data());
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(f);
  }

  const Grid g = grid_2d(10, 6);
  const auto ic = make_initial_condition(hdf5_section(file, "u"), spec_with_seed(0), g);
  EXPECT_EQ(fill(*ic, g, whole(g)), values2d);
  Block b;
  b.offset = {3, 2, 0};
  b.extent = {4, 3, 1};
  const std::vector<double> part = fill(*ic, g, b);
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 4; ++i) EXPECT_EQ(part[j * 4 + i], 100.0 * (j + 2) + (i + 3) + 0.5);
  expect_decomposition_independent(*ic, g);

  const Grid line = grid_1d(10);
  const auto ic1 = make_initial_condition(hdf5_section(file, "line"), spec_with_seed(0), line);
  Block tail;
  tail.offset = {7, 0, 0};
  tail.extent = {3, 1, 1};
  EXPECT_EQ(fill(*ic1, line, tail), (std::vector<double>{-7.0, -8.0, -9.0}));
}

TEST(Hdf5Condition, MissingOrMisShapedDataIsAnInputError) {
  const std::string dir = test::scratch_dir("study-ic-hdf5-errors");
  const std::string file = dir + "/ic.h5";
  write_dataset(file, "u", {5, 10}, std::vector<double>(50, 1.0));
  const Grid g = grid_2d(10, 6);
  expect_contains(error_of(hdf5_section(dir + "/absent.h5", "u"), g),
                  {"solver.initial_condition.parameters.file", dir + "/absent.h5"});
  expect_contains(error_of(hdf5_section(file, "v"), g),
                  {"solver.initial_condition.parameters.dataset", "'v'", file, "[6, 10]"});
  expect_contains(error_of(hdf5_section(file, "u"), g),
                  {"solver.initial_condition.parameters.dataset", file, "[5, 10]", "[6, 10]"});
  expect_contains(error_of(hdf5_section(file, "u"), grid_1d(10)),
                  {"solver.initial_condition.parameters.dataset", "[5, 10]", "expected [10]"});
  // Not an HDF5 file at all.
  const std::string text_file = dir + "/notes.txt";
  std::ofstream(text_file) << "not hdf5\n";
  expect_contains(error_of(hdf5_section(text_file, "u"), g),
                  {"solver.initial_condition.parameters.file", "not a readable HDF5 file"});
}

}  // namespace
}  // namespace surge
