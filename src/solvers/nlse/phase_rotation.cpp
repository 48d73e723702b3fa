#include "solvers/nlse/phase_rotation.hpp"

#include <algorithm>
#include <cmath>

namespace surge::nlse {

namespace {

// pi/2 in three parts (fdlibm's pio2_1, pio2_2, pio2_3): the first two have 33 significant
// bits, so k * part is exact for |k| < 2^20; times 4 (exact) they split 2 pi.
constexpr double kTwoPi1 = 4 * 1.57079632673412561417e+00;
constexpr double kTwoPi2 = 4 * 6.07710050630396597660e-11;
constexpr double kTwoPi3 = 4 * 2.02226624871116645580e-21;
constexpr double kInvTwoPi = 0.15915494309189533577;
// Adding and subtracting 1.5 * 2^52 rounds to the nearest integer (|x| < 2^51).
constexpr double kRound = 6755399441055744.0;
constexpr double kLargest = 6.5e6;  // 2 pi * 2^20: beyond, the reduction is not exact

// fdlibm's __kernel_sin and __kernel_cos coefficients (|x| <= pi/4).
constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                 S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                 S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                 C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                 C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;

constexpr std::size_t kBlock = 256;
constexpr double kQuarterPi = 0.78539816339744830962;

// cos and sin of |x| <= pi/4: fdlibm's __kernel_cos and __kernel_sin (less than 1 ulp each).
inline void polynomials(double x, double& c, double& s) {
  const double z = x * x;
  const double sr = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  s = x + z * x * (S1 + z * sr);
  const double cr = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  const double hz = 0.5 * z, w = 1.0 - hz;
  c = w + (((1.0 - w) - hz) + z * cr);
}

// One Newton step towards 1 / |(c, s)|: the polynomials (and the doublings below) leave
// |(c, s)| off 1 by an ulp or a few, always the same way for a given angle; this brings it back
// to rounding, so that the mass (which the split-step schemes conserve exactly) does not drift
// over many steps.
inline void renormalise(double c, double s, double& co, double& si) {
  const double scale = 1.5 - 0.5 * (c * c + s * s);
  si = s * scale;
  co = c * scale;
}

// Every |theta[k]| <= pi/4 (the usual case: a step rotates by less than 45 degrees): the
// polynomials apply to theta itself.
void small_angles(const double* theta, double* co, double* si, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    double c, s;
    polynomials(theta[k], c, s);
    renormalise(c, s, co[k], si[k]);
  }
}

// Any angles. Vectorisable: no branches, no calls. theta is reduced modulo 2 pi, the
// polynomials give cos and sin of a quarter of the rest, and two doublings those of theta;
// angles with |theta| <= pi/4 take the polynomials of theta itself instead, exactly as
// small_angles() computes them, so that an element's value does not depend on which of the two
// loops its block took. Returns whether an angle was out of range of the reduction (or NaN).
// The range check is an integer OR reduction, which GCC vectorises (a max over doubles it does
// not, for NaN's sake: that loop alone took a quarter of the kernel's time).
bool any_angles(const double* theta, double* co, double* si, std::size_t n) {
  unsigned out_of_range = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double t = theta[k];
    const bool small = std::fabs(t) <= kQuarterPi;
    const double m = (t * kInvTwoPi + kRound) - kRound;
    const double r = ((t - m * kTwoPi1) - m * kTwoPi2) - m * kTwoPi3;
    double c, s;
    polynomials(small ? t : 0.25 * r, c, s);
    // Two doublings: sin 2x = 2 sin x cos x, cos 2x = (cos x - sin x)(cos x + sin x).
    const double s2 = 2.0 * s * c, c2 = (c - s) * (c + s);
    const double s4 = 2.0 * s2 * c2, c4 = (c2 - s2) * (c2 + s2);
    renormalise(small ? c : c4, small ? s : s4, co[k], si[k]);
    out_of_range |= std::fabs(t) <= kLargest ? 0u : 1u;
  }
  return out_of_range != 0;
}

void fix_large(const double* theta, double* co, double* si, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    if (std::fabs(theta[k]) <= kLargest) continue;
    co[k] = std::cos(theta[k]);
    si[k] = std::sin(theta[k]);
  }
}

// One block of angles; `large` (nonzero) if one of them has |theta| > pi/4 or is NaN.
void block_cos_sin(const double* theta, double* co, double* si, std::size_t n, unsigned large) {
  if (!large)
    small_angles(theta, co, si, n);
  else if (any_angles(theta, co, si, n))
    fix_large(theta, co, si, n);
}

}  // namespace

void cos_sin(const double* theta, double* cos_out, double* sin_out, std::size_t n) {
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t m = std::min(kBlock, n - start);
    const double* t = theta + start;
    unsigned large = 0;
    for (std::size_t k = 0; k < m; ++k) large |= std::fabs(t[k]) <= kQuarterPi ? 0u : 1u;
    block_cos_sin(t, cos_out + start, sin_out + start, m, large);
  }
}

void rotate_by_intensity(std::complex<double>* psi, std::size_t n, double c) {
  double* v = reinterpret_cast<double*>(psi);
  alignas(64) double theta[kBlock], co[kBlock], si[kBlock];
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t m = std::min(kBlock, n - start);
    double* p = v + 2 * start;
    unsigned large = 0;
    for (std::size_t k = 0; k < m; ++k) {
      theta[k] = c * (p[2 * k] * p[2 * k] + p[2 * k + 1] * p[2 * k + 1]);
      large |= std::fabs(theta[k]) <= kQuarterPi ? 0u : 1u;
    }
    block_cos_sin(theta, co, si, m, large);
    multiply(co, si, psi + start, psi + start, m);
  }
}

// Not inlined into rotate_by_intensity: there GCC 12 would know that co and si do not alias
// psi, and would then pair the tail iterations into a vfmaddsub (see the header).
[[gnu::noinline]] void multiply(const double* re, const double* im, const std::complex<double>* in,
                                std::complex<double>* out, std::size_t n, double scale,
                                bool conjugate) {
  const double* x = reinterpret_cast<const double*>(in);
  double* y = reinterpret_cast<double*>(out);
  const double sign = conjugate ? -1.0 : 1.0;
  for (std::size_t k = 0; k < n; ++k) {
    const double xr = x[2 * k], xi = x[2 * k + 1];
    y[2 * k] = (xr * re[k] - xi * (sign * im[k])) * scale;
    y[2 * k + 1] = (xi * re[k] + xr * (sign * im[k])) * scale;
  }
}

}  // namespace surge::nlse
