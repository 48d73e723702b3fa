#pragma once
// Cell averages of a function by tensor-product 5-point Gauss-Legendre quadrature (exact for
// polynomials of degree 9 per direction): how exact solutions are turned into the quantity a
// finite-volume scheme carries.
#include <array>

#include "grid/grid.hpp"

namespace surge::fv {

// Nodes on [-1/2, 1/2] and weights summing to 1.
inline constexpr std::array<double, 5> kGaussNodes{
    -0.4530899229693319963988, -0.2692346550528415455683, 0.0, 0.2692346550528415455683,
    0.4530899229693319963988};
inline constexpr std::array<double, 5> kGaussWeights{
    0.1184634425280945437571, 0.2393143352496832340207, 0.2844444444444444444444,
    0.2393143352496832340207, 0.1184634425280945437571};

// Average of f(x) over [a, b].
template <class F>
double cell_average(const F& f, double a, double b) {
  const double c = 0.5 * (a + b), h = b - a;
  double s = 0.0;
  for (int q = 0; q < 5; ++q) s += kGaussWeights[q] * f(c + kGaussNodes[q] * h);
  return s;
}

// Average of f(x, y) over [ax, bx] x [ay, by].
template <class F>
double cell_average(const F& f, double ax, double bx, double ay, double by) {
  const double cx = 0.5 * (ax + bx), hx = bx - ax, cy = 0.5 * (ay + by), hy = by - ay;
  double s = 0.0;
  for (int q = 0; q < 5; ++q) {
    double row = 0.0;
    for (int r = 0; r < 5; ++r)
      row += kGaussWeights[r] * f(cx + kGaussNodes[r] * hx, cy + kGaussNodes[q] * hy);
    s += kGaussWeights[q] * row;
  }
  return s;
}

// Cell averages of f(x, y) over the cells of `block` (x fastest; y is 0 in 1D). Not collective.
template <class F>
void fill_cell_averages(const F& f, const Grid& grid, const Block& block, double* out) {
  std::size_t k = 0;
  for (int j = block.offset[1]; j < block.offset[1] + block.extent[1]; ++j) {
    for (int i = block.offset[0]; i < block.offset[0] + block.extent[0]; ++i, ++k) {
      if (grid.dim == 1) {
        out[k] =
            cell_average([&](double x) { return f(x, 0.0); }, grid.face(0, i), grid.face(0, i + 1));
      } else {
        out[k] = cell_average(f, grid.face(0, i), grid.face(0, i + 1), grid.face(1, j),
                              grid.face(1, j + 1));
      }
    }
  }
}

}  // namespace surge::fv
