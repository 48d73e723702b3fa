#pragma once
// One simulation of an ensemble from t = 0 to its last snapshot, shared by surge simulate
// (which writes the snapshots) and surge run (which streams them).
#include <cstddef>
#include <functional>
#include <vector>

#include "solvers/solver.hpp"
#include "study/simulation.hpp"
#include "workflow/progress.hpp"

namespace surge {

// Collective over the solver's group: initialises `solver` with `spec`, lands on every time of
// `times` (increasing, the first 0) calling at_snapshot(k) there, and calls between_steps()
// after every step. A SimulationFailure ends the simulation and is recorded in the report
// (id `id`, steps, time reached, cell updates); other exceptions propagate.
SimulationReport run_simulation(Solver& solver, const SimulationSpec& spec, int id,
                                const std::vector<double>& times,
                                const std::function<void(std::size_t k)>& at_snapshot,
                                const std::function<void()>& between_steps);

}  // namespace surge
