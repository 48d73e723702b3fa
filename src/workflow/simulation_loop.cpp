#include "workflow/simulation_loop.hpp"

#include <algorithm>
#include <cmath>

namespace surge {

SimulationReport run_simulation(Solver& solver, const SimulationSpec& spec, int id,
                                const std::vector<double>& times,
                                const std::function<void(std::size_t k)>& at_snapshot,
                                const std::function<void()>& between_steps) {
  SimulationReport report;
  report.id = id;
  try {
    solver.initialize(spec);
    std::size_t k = 0;
    for (;;) {
      // The solver's last step is cut to land on times[k]; the tolerance absorbs the rounding
      // of the sum of steps.
      if (k < times.size() &&
          std::abs(times[k] - solver.time()) <= 1e-12 * std::max(1.0, std::abs(times[k]))) {
        at_snapshot(k);
        ++k;
      }
      if (k == times.size()) break;
      solver.step(times[k] - solver.time());
      between_steps();
    }
  } catch (const SimulationFailure& e) {
    report.ok = false;
    report.message = e.what();
  }
  report.steps = solver.steps();
  report.time = solver.time();
  report.cell_updates = report.steps * solver.grid().total_cells();
  return report;
}

}  // namespace surge
