#pragma once
// Third-order strong-stability-preserving Runge-Kutta (Shu & Osher 1988), in the convex-
// combination form that keeps every stage a forward-Euler step. Generic over the right-hand
// side, so every finite-volume solver (any number of unknowns per cell) shares it.
#include <cstddef>

namespace surge::fv {

// Advances u (n values) by dt. `rhs(const double* state, double* out)` writes L(state) for the
// n owned values (it does its own halo exchange). `stage` and `work` are n-value work arrays
// owned by the caller (reused across steps). The update is elementwise with a fixed operation
// order, so results do not depend on how the unknowns are split over ranks.
template <class Rhs>
void ssp_rk3_step(double* u, double* stage, double* work, std::size_t n, double dt, Rhs&& rhs) {
  rhs(u, work);
  for (std::size_t i = 0; i < n; ++i) stage[i] = u[i] + dt * work[i];
  rhs(stage, work);
  for (std::size_t i = 0; i < n; ++i) stage[i] = 0.75 * u[i] + 0.25 * (stage[i] + dt * work[i]);
  rhs(stage, work);
  for (std::size_t i = 0; i < n; ++i)
    u[i] = (1.0 / 3.0) * u[i] + (2.0 / 3.0) * (stage[i] + dt * work[i]);
}

}  // namespace surge::fv
