#include "grid/grid.hpp"

#include <sstream>

#include "core/error.hpp"

namespace surge {

double Grid::cell_volume() const {
  double v = 1.0;
  for (int d = 0; d < dim; ++d) v *= spacing(d);
  return v;
}

void add_grid_keys(config::Schema& p) {
  using config::Schema;
  p.add("cells", Schema::list(Schema::integer("cells in this direction").min(1),
                              "number of cells per direction; its length sets the dimension")
                     .length(1, 2)
                     .required());
  p.add("lower", Schema::list(Schema::real("lower bound"), "domain lower corner, one per direction")
                     .length(1, 2)
                     .defaults("[0.0, 0.0]"));
  p.add("upper", Schema::list(Schema::real("upper bound"), "domain upper corner, one per direction")
                     .length(1, 2)
                     .defaults("[1.0, 1.0]"));
}

Grid grid_from_config(const YAML::Node& p) {
  Grid g;
  const auto& cells = p["cells"];
  g.dim = static_cast<int>(cells.size());
  const auto& lo = p["lower"];
  const auto& hi = p["upper"];
  if (lo.size() < cells.size() || hi.size() < cells.size()) {
    std::ostringstream m;
    m << "solver.parameters: 'lower' and 'upper' need one entry per direction of 'cells' ("
      << cells.size() << ")";
    throw InputError(m.str());
  }
  for (int d = 0; d < g.dim; ++d) {
    g.cells[d] = cells[d].as<int>();
    g.lower[d] = lo[d].as<double>();
    g.upper[d] = hi[d].as<double>();
    if (!(g.upper[d] > g.lower[d])) {
      std::ostringstream m;
      m << "solver.parameters: upper[" << d << "] = " << g.upper[d] << " must exceed lower[" << d
        << "] = " << g.lower[d];
      throw InputError(m.str());
    }
  }
  return g;
}

}  // namespace surge
