#pragma once
// The exact flow of the nonlinear part of the NLSE, psi_t = i sigma |psi|^2 psi, over a time
// tau: |psi| is constant, so psi(tau) = psi exp(i sigma tau |psi|^2) pointwise.
//
// This is the split-step schemes' only pointwise work, and with the C library's sin and cos it
// costs more than the FFTs of a step; the kernel here is branch-free so that the compiler
// vectorises it. Where every angle of a block of 256 points has |theta| <= pi/4 (a step that
// rotates by less than 45 degrees, the usual case), cos and sin come from fdlibm's kernel
// polynomials of theta itself. Otherwise theta is reduced modulo 2 pi (Cody-Waite, three
// parts), the polynomials give cos and sin of r/4 (|r/4| <= pi/4) and two angle doublings those
// of r, while the block's angles with |theta| <= pi/4 still take the first way, so that a value
// never depends on its neighbours. Both ways renormalise so that cos^2 + sin^2 = 1 to rounding.
// Error against the library's values: an ulp or two for |theta| <= pi/4, a few ulp up to
// 2 pi 2^20 (larger angles fall back to std::sin and std::cos).
// The rotation and the linear flow's multiplication in Fourier space share multiply() below.
#include <complex>
#include <cstddef>

namespace surge::nlse {

// psi[k] *= exp(i c |psi[k]|^2) for k < n (c = sigma tau). Not collective.
void rotate_by_intensity(std::complex<double>* psi, std::size_t n, double c);

// out[k] = in[k] (re[k] + i im[k]) scale for k < n, with the conjugate factor re[k] - i im[k]
// if `conjugate`; `out` may be `in`. Not collective. The solver's pointwise complex product
// (the rotation above, the linear flow's factors in Fourier space), written in real arithmetic
// for two reasons. std::complex's operator* tests the result for NaN and then calls __muldc3
// (C99 Annex G), which keeps GCC from vectorising the loop (this form is vectorised, 3 to 4x
// faster). And GCC 12 recognises a complex product where it can pair the iterations of a
// loop's tail, that is where it knows that the factors do not alias `out` (std::complex
// arrays, __restrict, local arrays), and emits a fused multiply-add (vfmaddsub) in spite of
// -ffp-contract=off, so that vector lanes and tail iterations round differently. Out of line,
// where the pointers may alias, it emits none: the phase rotation test checks that every
// element comes out the same in any position.
void multiply(const double* re, const double* im, const std::complex<double>* in,
              std::complex<double>* out, std::size_t n, double scale = 1.0, bool conjugate = false);

// cos and sin of theta[k] for k < n with the kernel above (exposed for its test).
void cos_sin(const double* theta, double* cos_out, double* sin_out, std::size_t n);

}  // namespace surge::nlse
