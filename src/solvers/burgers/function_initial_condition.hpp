#pragma once
// An initial condition given by a C++ function of (x, y): exact data for verification tests
// and programs that drive a solver directly, without the study's configured conditions.
#include <functional>
#include <memory>
#include <utility>

#include "solvers/burgers/scalar_law_solver.hpp"
#include "solvers/fv/cell_average.hpp"

namespace surge {

class FunctionInitialCondition : public InitialCondition {
 public:
  explicit FunctionInitialCondition(std::function<double(double, double)> f) : f_(std::move(f)) {}
  // Gauss-Legendre cell averages of f; identical on every decomposition. Not collective.
  void fill(const Grid& grid, const Block& block, double* out) const override {
    fv::fill_cell_averages(f_, grid, block, out);
  }

 private:
  std::function<double(double, double)> f_;
};

// A factory for ScalarLawOptions::initial_condition that ignores the simulation spec.
inline InitialConditionFactory function_initial_condition(std::function<double(double, double)> f) {
  return [f = std::move(f)](const SimulationSpec&, const Grid&) {
    return std::make_unique<FunctionInitialCondition>(f);
  };
}

}  // namespace surge
