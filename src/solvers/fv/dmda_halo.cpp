#include "solvers/fv/dmda_halo.hpp"

#include <petscdmda.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace surge::fv {
namespace {

void check(PetscErrorCode code, const char* call) {
  if (code != 0) throw RuntimeError(std::string("PETSc call failed: ") + call);
}

DMBoundaryType petsc_boundary(Boundary low) {
  return low == Boundary::Periodic ? DM_BOUNDARY_PERIODIC : DM_BOUNDARY_GHOSTED;
}

}  // namespace

struct DmdaHalo::Impl {
  DM da = nullptr;
  Vec global = nullptr;  // owns no storage: callers' arrays are placed into it
  Vec local = nullptr;   // holds `ghosted_values`
  Block owned, ghosted;
  int dim = 1, dof = 1, width = 3;
  Boundaries sides{};
  std::array<int, 2> total{1, 1};  // global cells per direction
  std::vector<double> ghosted_values;

  ~Impl() {
    if (local) {
      VecResetArray(local);
      VecDestroy(&local);
    }
    if (global) VecDestroy(&global);
    if (da) DMDestroy(&da);
  }

  // Zero-gradient outflow: the halo beyond a physical boundary repeats the boundary cell.
  void fill_outflow() {
    const int gx = ghosted.extent[0];
    const int ox = owned.offset[0] - ghosted.offset[0];
    const int oy = owned.offset[1] - ghosted.offset[1];
    const int xm = owned.extent[0], ym = owned.extent[1];
    double* base = ghosted_values.data() + (static_cast<std::size_t>(oy) * gx + ox) * dof;
    auto copy_cell = [&](std::ptrdiff_t to, std::ptrdiff_t from) {
      for (int c = 0; c < dof; ++c) base[to * dof + c] = base[from * dof + c];
    };
    if (sides[0] == Boundary::Outflow && owned.offset[0] == 0)
      for (int j = 0; j < ym; ++j)
        for (int k = 1; k <= width; ++k)
          copy_cell(j * std::ptrdiff_t(gx) - k, j * std::ptrdiff_t(gx));
    if (sides[1] == Boundary::Outflow && owned.offset[0] + xm == total[0])
      for (int j = 0; j < ym; ++j)
        for (int k = 1; k <= width; ++k)
          copy_cell(j * std::ptrdiff_t(gx) + xm - 1 + k, j * std::ptrdiff_t(gx) + xm - 1);
    if (dim < 2) return;
    if (sides[2] == Boundary::Outflow && owned.offset[1] == 0)
      for (int k = 1; k <= width; ++k)
        for (int i = 0; i < xm; ++i) copy_cell(-k * std::ptrdiff_t(gx) + i, i);
    if (sides[3] == Boundary::Outflow && owned.offset[1] + ym == total[1])
      for (int k = 1; k <= width; ++k)
        for (int i = 0; i < xm; ++i)
          copy_cell((ym - 1 + k) * std::ptrdiff_t(gx) + i, (ym - 1) * std::ptrdiff_t(gx) + i);
  }
};

DmdaHalo::DmdaHalo(const Comm& comm, const Grid& grid, const Boundaries& sides, int dof, int width)
    : impl_(std::make_unique<Impl>()) {
  PetscBool initialized = PETSC_FALSE;
  check(PetscInitialized(&initialized), "PetscInitialized");
  if (!initialized) check(PetscInitializeNoArguments(), "PetscInitializeNoArguments");

  Impl& m = *impl_;
  m.dim = grid.dim;
  m.dof = dof;
  m.width = width;
  m.sides = sides;
  m.total = {grid.cells[0], grid.dim > 1 ? grid.cells[1] : 1};
  if (grid.dim < 1 || grid.dim > 2)
    throw InputError("finite-volume solvers support 1D and 2D grids");

  // PETSc's own complaint about a too-small subdomain would be printed by every rank as a
  // traceback; silence it and report an input error instead.
  check(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr), "PetscPushErrorHandler");
  PetscErrorCode code;
  if (grid.dim == 1) {
    code = DMDACreate1d(comm.get(), petsc_boundary(sides[0]), grid.cells[0], dof, width, nullptr,
                        &m.da);
  } else {
    code = DMDACreate2d(comm.get(), petsc_boundary(sides[0]), petsc_boundary(sides[2]),
                        DMDA_STENCIL_STAR, grid.cells[0], grid.cells[1], PETSC_DECIDE, PETSC_DECIDE,
                        dof, width, nullptr, nullptr, &m.da);
  }
  if (code == 0) code = DMSetUp(m.da);
  PetscPopErrorHandler();
  if (code != 0) {
    std::ostringstream msg;
    msg << "solver.parameters.cells: a grid of " << grid.cells[0];
    if (grid.dim > 1) msg << " x " << grid.cells[1];
    msg << " cells cannot be split over " << comm.size() << " ranks with a halo of " << width
        << " cells (every rank needs at least " << width
        << " cells per direction); use more cells or fewer ranks per simulation";
    throw InputError(msg.str());
  }

  PetscInt xs, ys, zs, xm, ym, zm, gxs, gys, gzs, gxm, gym, gzm;
  check(DMDAGetCorners(m.da, &xs, &ys, &zs, &xm, &ym, &zm), "DMDAGetCorners");
  check(DMDAGetGhostCorners(m.da, &gxs, &gys, &gzs, &gxm, &gym, &gzm), "DMDAGetGhostCorners");
  m.owned.offset = {int(xs), int(ys), 0};
  m.owned.extent = {int(xm), int(ym), 1};
  m.ghosted.offset = {int(gxs), int(gys), 0};
  m.ghosted.extent = {int(gxm), int(gym), 1};

  check(DMCreateGlobalVector(m.da, &m.global), "DMCreateGlobalVector");
  check(DMCreateLocalVector(m.da, &m.local), "DMCreateLocalVector");
  PetscInt local_size = 0;
  check(VecGetLocalSize(m.local, &local_size), "VecGetLocalSize");
  m.ghosted_values.assign(static_cast<std::size_t>(local_size), 0.0);
  check(VecPlaceArray(m.local, m.ghosted_values.data()), "VecPlaceArray");
}

DmdaHalo::~DmdaHalo() = default;

const Block& DmdaHalo::owned() const {
  return impl_->owned;
}
const Block& DmdaHalo::ghosted() const {
  return impl_->ghosted;
}
int DmdaHalo::dof() const {
  return impl_->dof;
}
int DmdaHalo::width() const {
  return impl_->width;
}
std::size_t DmdaHalo::owned_size() const {
  return impl_->owned.size() * impl_->dof;
}

const double* DmdaHalo::exchange(const double* owned) {
  Impl& m = *impl_;
  // The global vector only reads `owned` during the scatter.
  check(VecPlaceArray(m.global, const_cast<double*>(owned)), "VecPlaceArray");
  check(DMGlobalToLocalBegin(m.da, m.global, INSERT_VALUES, m.local), "DMGlobalToLocalBegin");
  check(DMGlobalToLocalEnd(m.da, m.global, INSERT_VALUES, m.local), "DMGlobalToLocalEnd");
  check(VecResetArray(m.global), "VecResetArray");
  m.fill_outflow();
  return m.ghosted_values.data();
}

}  // namespace surge::fv
