#pragma once
// Solver: one simulation of the ensemble, decomposed over the ranks of a solver group.
//
// A solver is created once per group (grid and decomposition fixed for the study) and then
// re-initialised for each simulation the group runs. Its snapshot is the rank's own block of
// every field: no PETSc or FFTW type crosses this interface.
#include <yaml-cpp/yaml.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/schema.hpp"
#include "grid/grid.hpp"
#include "parallel/comm.hpp"
#include "study/simulation.hpp"

namespace surge {

// Thrown (on every rank of the group together) when a simulation cannot go on: NaN/Inf in the
// solution, time step collapse. The study records it and continues with the next simulation.
class SimulationFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Solver {
 public:
  virtual ~Solver() = default;

  // Collective over the group: sets the state to the initial condition of `spec`, t = 0.
  virtual void initialize(const SimulationSpec& spec) = 0;
  // Collective: advances one stable step of at most `dt_limit`; returns the step taken.
  // Throws SimulationFailure (on all ranks of the group) when the solution breaks down.
  virtual double step(double dt_limit) = 0;
  virtual double time() const = 0;
  virtual long steps() const = 0;
  // Final time of a simulation (from the config).
  virtual double t_end() const = 0;

  virtual const Grid& grid() const = 0;
  virtual const std::vector<std::string>& field_names() const = 0;
  // This rank's block of the grid.
  virtual Block block() const = 0;
  // Copies this rank's block of every field into `out`: field after field, each block.size()
  // values with x fastest. Not collective.
  virtual void snapshot(std::vector<double>& out) const = 0;
  // Collective: physical diagnostics of the current state, e.g. {"mass", integral of u}.
  virtual std::vector<std::pair<std::string, double>> diagnostics() const = 0;
};

// One entry of the solver registry (src/solvers/register_all.cpp).
struct SolverEntry {
  std::string name;
  std::string doc;
  // Schema of `solver.parameters` and `solver.initial_condition` for this type: a map with keys
  // `parameters` and `initial_condition`.
  config::Schema (*schema)();
  // Collective over `group`: builds the solver from the resolved `solver` section.
  std::unique_ptr<Solver> (*create)(const Comm& group, const YAML::Node& solver_section);
  // Not collective: checks what the schema cannot (values that depend on each other, the
  // initial condition's expressions and files) by building the initial condition of `spec`,
  // without building the solver. Throws InputError naming the key.
  void (*check)(const YAML::Node& solver_section, const SimulationSpec& spec);
};

// Every solver surge knows, in one explicit list.
const std::vector<SolverEntry>& solver_registry();
// Schema of the whole `solver:` section ({type, parameters, initial_condition}).
config::Schema solver_schema();
// Collective over `group`: the solver named by `solver.type`.
std::unique_ptr<Solver> make_solver(const Comm& group, const YAML::Node& solver_section);
// Not collective: the `check` of the solver named by `solver.type` (an unknown type is an
// InputError, as in make_solver).
void check_solver_inputs(const YAML::Node& solver_section, const SimulationSpec& spec);

}  // namespace surge
