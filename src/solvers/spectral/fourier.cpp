#include "solvers/spectral/fourier.hpp"

#include <fftw3-mpi.h>

#include <cmath>
#include <cstdlib>
#include <mutex>

namespace surge::spectral {

void ensure_fftw_mpi() {
  static std::once_flag once;
  std::call_once(once, [] { fftw_mpi_init(); });
}

int mode_number(int i, int n) {
  return i <= n / 2 ? i : i - n;
}

bool is_nyquist(int i, int n) {
  return n % 2 == 0 && i == n / 2;
}

double wavenumber(int i, int n, double length) {
  return 2.0 * M_PI / length * mode_number(i, n);
}

bool kept_two_thirds(int i, int n) {
  if (is_nyquist(i, n)) return false;
  // Strict: with |m| <= K a product reaches 2K, whose alias 2K - n must stay below -K.
  return 3 * std::abs(mode_number(i, n)) < n;
}

double exponential_filter(int i, int n, double alpha, int order) {
  const double r = std::abs(mode_number(i, n)) / (0.5 * n);
  return std::exp(-alpha * std::pow(r, order));
}

}  // namespace surge::spectral
