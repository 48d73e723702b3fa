#pragma once
// Fifth-order WENO reconstruction of face values from cell averages (Jiang & Shu 1996; WENO-Z
// weights after Borges, Carmona, Costa & Don 2008). Header-only so that the per-face calls
// inline into the solvers' loops; shared by every finite-volume solver (scalar laws, Euler).
#include <cmath>

namespace surge::fv {

enum class WenoWeights { Z, JS };

// Value at the right face of the centre cell c = v2 of the five cell averages v0..v4 (v0 is
// the leftmost). For the state on the right side of a face pass the cells in mirrored order.
template <WenoWeights W>
inline double weno5(double v0, double v1, double v2, double v3, double v4) {
  // Third-order candidate values of the three substencils {v0,v1,v2}, {v1,v2,v3}, {v2,v3,v4}.
  const double q0 = (2.0 * v0 - 7.0 * v1 + 11.0 * v2) * (1.0 / 6.0);
  const double q1 = (-v1 + 5.0 * v2 + 2.0 * v3) * (1.0 / 6.0);
  const double q2 = (2.0 * v2 + 5.0 * v3 - v4) * (1.0 / 6.0);

  const double s0 = v0 - 2.0 * v1 + v2, t0 = v0 - 4.0 * v1 + 3.0 * v2;
  const double s1 = v1 - 2.0 * v2 + v3, t1 = v1 - v3;
  const double s2 = v2 - 2.0 * v3 + v4, t2 = 3.0 * v2 - 4.0 * v3 + v4;
  const double b0 = (13.0 / 12.0) * s0 * s0 + 0.25 * t0 * t0;
  const double b1 = (13.0 / 12.0) * s1 * s1 + 0.25 * t1 * t1;
  const double b2 = (13.0 / 12.0) * s2 * s2 + 0.25 * t2 * t2;

  double a0, a1, a2;
  if constexpr (W == WenoWeights::Z) {
    // Tiny epsilon: WENO-Z's weights already tend to the linear ones in smooth regions, and a
    // large epsilon would lower the order at critical points of the solution.
    constexpr double eps = 1e-40;
    const double tau5 = std::fabs(b0 - b2);
    const double r0 = tau5 / (b0 + eps), r1 = tau5 / (b1 + eps), r2 = tau5 / (b2 + eps);
    a0 = 0.1 * (1.0 + r0 * r0);
    a1 = 0.6 * (1.0 + r1 * r1);
    a2 = 0.3 * (1.0 + r2 * r2);
  } else {
    constexpr double eps = 1e-6;
    const double e0 = b0 + eps, e1 = b1 + eps, e2 = b2 + eps;
    a0 = 0.1 / (e0 * e0);
    a1 = 0.6 / (e1 * e1);
    a2 = 0.3 / (e2 * e2);
  }
  return (a0 * q0 + a1 * q1 + a2 * q2) / (a0 + a1 + a2);
}

// The linear (optimal-weight) fifth-order reconstruction: what WENO tends to on smooth data.
// Exact for polynomials of degree <= 4; used by the unit tests as the reference.
inline double linear5(double v0, double v1, double v2, double v3, double v4) {
  return (2.0 * v0 - 13.0 * v1 + 47.0 * v2 + 27.0 * v3 - 3.0 * v4) * (1.0 / 60.0);
}

// d u / d x at the face between cells i and i+1 from the six cell averages u[i-2..i+3]
// (w0 = u[i-2]). Sixth order for cell averages (exact for polynomials of degree <= 6), so
// viscous terms keep the convergence of the fifth-order convective terms.
inline double face_derivative6(double w0, double w1, double w2, double w3, double w4, double w5,
                               double inv_h) {
  return (245.0 * (w3 - w2) - 25.0 * (w4 - w1) + 2.0 * (w5 - w0)) * (1.0 / 180.0) * inv_h;
}

}  // namespace surge::fv
