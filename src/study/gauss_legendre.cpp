#include "study/gauss_legendre.hpp"

#include <cmath>

namespace surge {

void gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  const double pi = 3.141592653589793238462643383279502884;
  nodes.assign(n, 0.0);
  weights.assign(n, 0.0);
  for (int i = 0; i < (n + 1) / 2; ++i) {
    // Tricomi's approximation of the i-th largest root is close enough for Newton to converge
    // quadratically from the first step.
    double x = std::cos(pi * (i + 0.75) / (n + 0.5));
    double derivative = 1.0;
    for (int iteration = 0; iteration < 100; ++iteration) {
      double p_prev = 1.0, p = x;
      for (int k = 1; k < n; ++k) {
        const double p_next = ((2 * k + 1) * x * p - k * p_prev) / (k + 1);
        p_prev = p;
        p = p_next;
      }
      derivative = n * (x * p - p_prev) / (x * x - 1.0);
      const double step = p / derivative;
      x -= step;
      if (std::abs(step) < 1e-16) break;
    }
    const double w = 2.0 / ((1.0 - x * x) * derivative * derivative);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = weights[n - 1 - i] = w;
  }
  if (n % 2 == 1) nodes[n / 2] = 0.0;  // exact by symmetry; Newton leaves ~1e-17
}

}  // namespace surge
