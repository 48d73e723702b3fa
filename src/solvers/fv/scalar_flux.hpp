#pragma once
// Physical and numerical fluxes of scalar conservation laws u_t + sum_d (f_d(u))_x_d = ...
// Each physical flux is a small value type the kernels are templated on, so the per-face
// calls inline (no virtual call per cell).
#include <algorithm>
#include <array>
#include <cmath>

namespace surge::fv {

enum class NumericalFlux { Godunov, LocalLaxFriedrichs };

// Burgers: f_d(u) = u^2 / 2 in every direction.
struct BurgersFlux {
  double flux(double u, int /*d*/) const { return 0.5 * u * u; }
  double speed(double u, int /*d*/) const { return std::fabs(u); }
  // Exact Riemann solution at x/t = 0 for a convex flux with its minimum at u = 0.
  double godunov(double ul, double ur, int /*d*/) const {
    const double a = ul > 0.0 ? ul : 0.0, b = ur < 0.0 ? ur : 0.0;
    const double fa = 0.5 * a * a, fb = 0.5 * b * b;
    return fa > fb ? fa : fb;
  }
};

// Linear advection: f_d(u) = a_d u with a constant velocity a.
struct LinearFlux {
  std::array<double, 3> velocity{0, 0, 0};
  double flux(double u, int d) const { return velocity[d] * u; }
  double speed(double /*u*/, int d) const { return std::fabs(velocity[d]); }
  double godunov(double ul, double ur, int d) const {
    return velocity[d] >= 0.0 ? velocity[d] * ul : velocity[d] * ur;
  }
};

template <NumericalFlux N, class F>
inline double numerical_flux(const F& f, double ul, double ur, int d) {
  if constexpr (N == NumericalFlux::Godunov) {
    return f.godunov(ul, ur, d);
  } else {
    const double alpha = std::max(f.speed(ul, d), f.speed(ur, d));
    return 0.5 * (f.flux(ul, d) + f.flux(ur, d)) - 0.5 * alpha * (ur - ul);
  }
}

}  // namespace surge::fv
