#pragma once
// Shared pieces of the Fourier pseudo-spectral solvers (FFTW and its MPI interface): FFTW-MPI
// start-up, wavenumbers and dealiasing masks on a periodic box. No FFTW type crosses this
// header, so solvers keep their plans private.

namespace surge::spectral {

// Calls fftw_mpi_init() once per process (thread-safe, idempotent). Every solver that makes an
// FFTW-MPI plan calls it first.
void ensure_fftw_mpi();

// Angular wavenumber of the FFT index `i` (0 <= i < n) of an n-point transform on a period
// `length`: 2 pi / length * m, with m = i for i <= n/2 and i - n above. The Nyquist index of an
// even n gives +n/2 (use `is_nyquist` to treat it separately).
double wavenumber(int i, int n, double length);
// Signed mode number m of FFT index i (as in `wavenumber`).
int mode_number(int i, int n);
bool is_nyquist(int i, int n);
// 2/3 rule: true where 3 |m| < n (the modes kept by Orszag's truncation: the product of two
// such fields has no alias among them, also when n is a multiple of 3). The Nyquist mode is
// always removed.
bool kept_two_thirds(int i, int n);
// Exponential filter exp(-alpha (|m| / (n/2))^order) (Hou and Li: alpha = 36, order = 36).
double exponential_filter(int i, int n, double alpha, int order);

}  // namespace surge::spectral
