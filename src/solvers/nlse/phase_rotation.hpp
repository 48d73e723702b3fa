#pragma once
// The exact flow of the nonlinear part of the NLSE, psi_t = i sigma |psi|^2 psi, over a time
// tau: |psi| is constant, so psi(tau) = psi exp(i sigma tau |psi|^2) pointwise.
//
// This is the split-step schemes' only pointwise work, and with the C library's sin and cos it
// costs more than the FFTs of a step; the kernel here is branch-free so that the compiler
// vectorises it: theta is reduced modulo 2 pi (Cody-Waite, three parts), sin and cos of r/4
// (|r/4| <= pi/4) come from fdlibm's kernel polynomials, and two angle doublings give those of
// r, renormalised so that cos^2 + sin^2 = 1 to rounding. Error against the library's values:
// a few ulp for |theta| <= 2 pi 2^20 (larger angles fall back to std::sin and std::cos).
#include <complex>
#include <cstddef>

namespace surge::nlse {

// psi[k] *= exp(i c |psi[k]|^2) for k < n (c = sigma tau). Not collective.
void rotate_by_intensity(std::complex<double>* psi, std::size_t n, double c);

// cos and sin of theta[k] for k < n with the kernel above (exposed for its test).
void cos_sin(const double* theta, double* cos_out, double* sin_out, std::size_t n);

}  // namespace surge::nlse
