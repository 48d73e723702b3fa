#include "study/initial_condition.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/expression.hpp"
#include "study/gauss_legendre.hpp"
#include "core/random.hpp"
#include "study/random_fourier.hpp"

namespace surge {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559005768;

// sin(t) / t, continuous at 0.
double sinc(double t) {
  return std::abs(t) < 1e-8 ? 1.0 - t * t / 6.0 : std::sin(t) / t;
}

YAML::Node required_key(const YAML::Node& node, const std::string& key, const std::string& where) {
  if (!node || !node.IsMap() || !node[key])
    throw InputError(where + "." + key + ": missing (expected in the resolved section)");
  return node[key];
}

template <typename T>
T read(const YAML::Node& node, const std::string& key, const std::string& where,
       const char* expected) {
  const YAML::Node value = required_key(node, key, where);
  try {
    return value.as<T>();
  } catch (const YAML::Exception&) {
    throw InputError(where + "." + key + ": '" + YAML::Dump(value) + "' is not " + expected);
  }
}

std::string shape_text(const std::vector<unsigned long long>& dims) {
  std::ostringstream s;
  s << "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s << (i ? ", " : "") << dims[i];
  s << "]";
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// expression

class ExpressionCondition : public InitialCondition {
 public:
  ExpressionCondition(const std::string& text, int points, const SimulationSpec& spec,
                      const std::string& where)
      : expression_(text, variables(spec), where), parameters_(spec.parameter_values) {
    gauss_legendre(points, nodes_, weights_);
  }

  // Tensor Gauss-Legendre over each cell; the field does not depend on unused directions.
  void fill(const Grid& grid, const Block& block, double* out) const override {
    const int q = static_cast<int>(nodes_.size());
    const bool two_d = grid.dim >= 2;
    const int qy = two_d ? q : 1;
    std::vector<double> values(2 + parameters_.size(), 0.0);
    std::copy(parameters_.begin(), parameters_.end(), values.begin() + 2);
    const double hx = grid.spacing(0);
    const double hy = two_d ? grid.spacing(1) : 0.0;
    std::size_t n = 0;
    for (int k = 0; k < block.extent[2]; ++k) {
      for (int j = 0; j < block.extent[1]; ++j) {
        const double cy = two_d ? grid.center(1, block.offset[1] + j) : 0.0;
        for (int i = 0; i < block.extent[0]; ++i) {
          const double cx = grid.center(0, block.offset[0] + i);
          double sum = 0.0;
          for (int b = 0; b < qy; ++b) {
            values[1] = two_d ? cy + 0.5 * hy * nodes_[b] : 0.0;
            const double wy = two_d ? 0.5 * weights_[b] : 1.0;
            for (int a = 0; a < q; ++a) {
              values[0] = cx + 0.5 * hx * nodes_[a];
              sum += wy * 0.5 * weights_[a] * expression_(values);
            }
          }
          out[n++] = sum;
        }
      }
    }
  }

 private:
  static std::vector<std::string> variables(const SimulationSpec& spec) {
    std::vector<std::string> names{"x", "y"};
    names.insert(names.end(), spec.parameter_names.begin(), spec.parameter_names.end());
    return names;
  }

  Expression expression_;
  std::vector<double> parameters_;
  std::vector<double> nodes_, weights_;
};

// ---------------------------------------------------------------------------------------------
// hdf5

// Closes an HDF5 identifier when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

class Hdf5Condition : public InitialCondition {
 public:
  Hdf5Condition(std::string file, std::string dataset, const Grid& grid, std::string where)
      : file_(std::move(file)), dataset_(std::move(dataset)), where_(std::move(where)) {
    std::vector<unsigned long long> expected;
    for (int d = grid.dim - 1; d >= 0; --d) expected.push_back(grid.cells[d]);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file_, ec))
      throw InputError(where_ + ".parameters.file: '" + file_ +
                       "' does not exist or is not a file");
    // No exception may leave an H5E_BEGIN_TRY block (it would skip restoring HDF5's error
    // printing), so the check returns its message and the throw happens outside.
    std::string problem;
    H5E_BEGIN_TRY {
      problem = check(expected);
    }
    H5E_END_TRY;
    if (!problem.empty()) throw InputError(problem);
  }

  // Reads this block only: a hyperslab of the file space into a contiguous memory space.
  void fill(const Grid& grid, const Block& block, double* out) const override {
    if (block.size() == 0) return;
    const int rank = grid.dim;
    std::vector<hsize_t> start(rank), count(rank);
    for (int r = 0; r < rank; ++r) {
      const int d = rank - 1 - r;  // HDF5 is C order: the last index is x
      start[r] = static_cast<hsize_t>(block.offset[d]);
      count[r] = static_cast<hsize_t>(block.extent[d]);
    }
    herr_t status = -1;
    H5E_BEGIN_TRY {
      Handle f(H5Fopen(file_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
      Handle d(f.valid() ? H5Dopen2(f.get(), dataset_.c_str(), H5P_DEFAULT) : -1, H5Dclose);
      Handle file_space(d.valid() ? H5Dget_space(d.get()) : -1, H5Sclose);
      Handle memory_space(H5Screate_simple(rank, count.data(), nullptr), H5Sclose);
      if (file_space.valid() && memory_space.valid() &&
          H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr) >= 0)
        status = H5Dread(d.get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(),
                         H5P_DEFAULT, out);
    }
    H5E_END_TRY;
    if (status < 0)
      throw RuntimeError(where_ + ": reading dataset '" + dataset_ + "' of '" + file_ +
                         "' failed (did the file change after the run started?)");
  }

 private:
  std::string check(const std::vector<unsigned long long>& expected) const {
    const std::string in = "' in '" + file_ + "'";
    Handle f(H5Fopen(file_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!f.valid()) return where_ + ".parameters.file: '" + file_ + "' is not a readable HDF5 file";
    if (H5Lexists(f.get(), dataset_.c_str(), H5P_DEFAULT) <= 0)
      return where_ + ".parameters.dataset: '" + dataset_ + "' not found in '" + file_ +
             "' (expected a dataset of shape " + shape_text(expected) + ")";
    Handle d(H5Dopen2(f.get(), dataset_.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.valid()) return where_ + ".parameters.dataset: '" + dataset_ + in + " is not a dataset";
    Handle space(H5Dget_space(d.get()), H5Sclose);
    const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
    std::vector<hsize_t> dims(rank > 0 ? rank : 0);
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    const std::vector<unsigned long long> shape(dims.begin(), dims.end());
    if (rank < 0 || shape != expected)
      return where_ + ".parameters.dataset: '" + dataset_ + in + " has shape " + shape_text(shape) +
             ", expected " + shape_text(expected) + " (the grid's cells, slowest direction first)";
    Handle type(H5Dget_type(d.get()), H5Tclose);
    const H5T_class_t type_class = type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
    if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
      return where_ + ".parameters.dataset: '" + dataset_ + in + " does not hold numbers";
    return {};
  }

  std::string file_, dataset_, where_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// random_fourier

RandomFourier::RandomFourier(const Grid& grid, std::uint64_t seed, int modes, int max_wavenumber,
                             double amplitude, double offset)
    : offset_(offset) {
  rng::SplitMix64 rng(seed);
  modes_.resize(modes);
  for (FourierMode& mode : modes_) {
    if (grid.dim == 1) {
      mode.wavenumber[0] = static_cast<int>(rng.between(1, max_wavenumber));
    } else {
      bool zero = true;
      while (zero) {
        zero = true;
        for (int d = 0; d < grid.dim; ++d) {
          mode.wavenumber[d] = static_cast<int>(rng.between(-max_wavenumber, max_wavenumber));
          zero = zero && mode.wavenumber[d] == 0;
        }
      }
    }
    mode.amplitude = amplitude * rng.uniform();
    mode.phase = kTwoPi * rng.uniform();
  }
}

double RandomFourier::value_at(const Grid& grid, const std::array<double, 3>& x) const {
  double sum = offset_;
  for (const FourierMode& mode : modes_) {
    double argument = mode.phase;
    for (int d = 0; d < grid.dim; ++d)
      argument +=
          mode.wavenumber[d] * kTwoPi * (x[d] - grid.lower[d]) / (grid.upper[d] - grid.lower[d]);
    sum += mode.amplitude * std::sin(argument);
  }
  return sum;
}

void RandomFourier::fill(const Grid& grid, const Block& block, double* out) const {
  const std::size_t n_modes = modes_.size();
  std::vector<double> factor(n_modes);  // amplitude times the sinc of each direction
  std::vector<std::array<double, 3>> angular(n_modes, {0.0, 0.0, 0.0});
  for (std::size_t m = 0; m < n_modes; ++m) {
    factor[m] = modes_[m].amplitude;
    for (int d = 0; d < grid.dim; ++d) {
      angular[m][d] = modes_[m].wavenumber[d] * kTwoPi / (grid.upper[d] - grid.lower[d]);
      factor[m] *= sinc(0.5 * angular[m][d] * grid.spacing(d));
    }
  }
  // Cell centres relative to the lower corner, from the global index: the same numbers on every
  // decomposition.
  auto relative_center = [&](int d, int index) {
    return d < grid.dim ? (index + 0.5) * grid.spacing(d) : 0.0;
  };
  std::size_t n = 0;
  for (int k = 0; k < block.extent[2]; ++k) {
    const double z = relative_center(2, block.offset[2] + k);
    for (int j = 0; j < block.extent[1]; ++j) {
      const double y = relative_center(1, block.offset[1] + j);
      for (int i = 0; i < block.extent[0]; ++i) {
        const double x = relative_center(0, block.offset[0] + i);
        double sum = offset_;
        for (std::size_t m = 0; m < n_modes; ++m)
          sum += factor[m] * std::sin(angular[m][0] * x + angular[m][1] * y + angular[m][2] * z +
                                      modes_[m].phase);
        out[n++] = sum;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

config::Schema initial_condition_schema() {
  using config::Schema;
  Schema random_fourier = Schema::map(
      "Sum of `modes` sinusoids with integer wave numbers (periodic on the domain), "
      "amplitudes uniform in [0, amplitude] and phases uniform in [0, 2 pi), drawn "
      "from the simulation's seed");
  random_fourier.add(
      "parameters",
      Schema::map("Parameters of random_fourier")
          .add("modes", Schema::integer("Number of sinusoids K").min(1).defaults("2"))
          .add("max_wavenumber",
               Schema::integer("Largest wave number per direction (1D: in [1, max]; 2D: each "
                               "component in [-max, max], not all zero)")
                   .min(1)
                   .defaults("4"))
          .add("amplitude", Schema::real("Largest amplitude of a sinusoid").min(0).defaults("1.0"))
          .add("offset", Schema::real("Constant added to the sum").defaults("0.0"))
          .defaults("{}"));

  Schema expression =
      Schema::map("Cell averages of an expression of x, y and the study parameters (y = 0 in 1D)");
  expression.add(
      "parameters",
      Schema::map("Parameters of expression")
          .add("value", Schema::expression({"x", "y"}, "The initial field u0(x, y)").required())
          .add("quadrature_points",
               Schema::integer("Gauss-Legendre points per direction in each cell (exact for "
                               "polynomials of degree <= 2 q - 1)")
                   .min(1)
                   .max(8)
                   .defaults("5"))
          .required());

  Schema hdf5 = Schema::map(
      "Cell averages read from an HDF5 dataset of shape [nx] (1D) or [ny, nx] (2D), x fastest");
  hdf5.add("parameters",
           Schema::map("Parameters of hdf5")
               .add("file", Schema::string("Path of the HDF5 file").required())
               .add("dataset", Schema::string("Name of the dataset in the file").defaults("u"))
               .required());

  return Schema::typed(
      {{"random_fourier", random_fourier}, {"expression", expression}, {"hdf5", hdf5}},
      "Initial condition of the scalar field");
}

std::unique_ptr<InitialCondition> make_initial_condition(const YAML::Node& section,
                                                         const SimulationSpec& spec,
                                                         const Grid& grid,
                                                         const std::string& where) {
  const std::string type = read<std::string>(section, "type", where, "a string");
  const std::string p = where + ".parameters";
  const YAML::Node parameters = required_key(section, "parameters", where);

  if (type == "random_fourier") {
    const int modes = read<int>(parameters, "modes", p, "an integer");
    const int max_wavenumber = read<int>(parameters, "max_wavenumber", p, "an integer");
    const double amplitude = read<double>(parameters, "amplitude", p, "a real");
    const double offset = read<double>(parameters, "offset", p, "a real");
    if (modes < 1)
      throw InputError(p + ".modes: " + std::to_string(modes) + " is not an integer >= 1");
    if (max_wavenumber < 1)
      throw InputError(p + ".max_wavenumber: " + std::to_string(max_wavenumber) +
                       " is not an integer >= 1");
    if (!(amplitude >= 0))
      throw InputError(p + ".amplitude: " + YAML::Dump(parameters["amplitude"]) +
                       " is not a real >= 0");
    return std::make_unique<RandomFourier>(grid, spec.seed, modes, max_wavenumber, amplitude,
                                           offset);
  }
  if (type == "expression") {
    if (grid.dim > 2)
      throw InputError(where +
                       ".type: expression initial conditions take x and y only; the "
                       "grid has " +
                       std::to_string(grid.dim) + " dimensions");
    const std::string text = read<std::string>(parameters, "value", p, "an expression");
    const int points = read<int>(parameters, "quadrature_points", p, "an integer");
    if (points < 1 || points > 8)
      throw InputError(p + ".quadrature_points: " + std::to_string(points) +
                       " is not an integer in [1, 8]");
    return std::make_unique<ExpressionCondition>(text, points, spec, p + ".value");
  }
  if (type == "hdf5") {
    const std::string file = read<std::string>(parameters, "file", p, "a string");
    const std::string dataset = read<std::string>(parameters, "dataset", p, "a string");
    return std::make_unique<Hdf5Condition>(file, dataset, grid, where);
  }
  throw InputError(where + ".type: unknown initial condition '" + type +
                   "'; expected one of random_fourier, expression, hdf5");
}

}  // namespace surge
