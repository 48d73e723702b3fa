#pragma once
// Gauss-Legendre quadrature (private to src/study).
#include <vector>

namespace surge {

// Nodes and weights of the n-point Gauss-Legendre rule on [-1, 1] (n >= 1), exact for
// polynomials of degree <= 2n - 1. Computed by Newton's method on P_n; accurate to rounding for
// the small n used by initial conditions.
void gauss_legendre(int n, std::vector<double>& nodes, std::vector<double>& weights);

}  // namespace surge
