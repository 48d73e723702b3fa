#pragma once
// Exact solution of the Riemann problem of the 1D Euler equations for an ideal gas (Toro,
// "Riemann Solvers and Numerical Methods for Fluid Dynamics", chapter 4): Newton iteration for
// the star pressure, then sampling of the self-similar solution. Written independently of the
// solver, as the reference of the Euler verification tests and of bench/euler_bench.cpp.
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace surge::test {

struct GasState {
  double rho, u, p;
};

class ExactRiemann {
 public:
  ExactRiemann(GasState left, GasState right, double gamma) : l_(left), r_(right), g_(gamma) {
    cl_ = std::sqrt(g_ * l_.p / l_.rho);
    cr_ = std::sqrt(g_ * r_.p / r_.rho);
    if (2 * (cl_ + cr_) / (g_ - 1) <= r_.u - l_.u)
      throw std::invalid_argument("ExactRiemann: the data generate vacuum");
    // Two-rarefaction guess, then Newton on f_L(p) + f_R(p) + u_R - u_L = 0.
    const double z = (g_ - 1) / (2 * g_);
    double p = std::pow((cl_ + cr_ - 0.5 * (g_ - 1) * (r_.u - l_.u)) /
                            (cl_ / std::pow(l_.p, z) + cr_ / std::pow(r_.p, z)),
                        1 / z);
    p = std::max(p, 1e-12);
    for (int it = 0; it < 100; ++it) {
      double fl, dl, fr, dr;
      side(l_, cl_, p, fl, dl);
      side(r_, cr_, p, fr, dr);
      const double next = std::max(p - (fl + fr + r_.u - l_.u) / (dl + dr), 1e-14);
      const bool done = std::fabs(next - p) < 1e-15 * (next + p);
      p = next;
      if (done) break;
    }
    double fl, dl, fr, dr;
    side(l_, cl_, p, fl, dl);
    side(r_, cr_, p, fr, dr);
    ps_ = p;
    us_ = 0.5 * (l_.u + r_.u) + 0.5 * (fr - fl);
  }

  double p_star() const { return ps_; }
  double u_star() const { return us_; }
  // Speed of the right shock (valid when p* > p_R).
  double right_shock_speed() const {
    return r_.u + cr_ * std::sqrt((g_ + 1) / (2 * g_) * ps_ / r_.p + (g_ - 1) / (2 * g_));
  }
  double rho_star_left() const { return star_density(l_, ps_); }
  double rho_star_right() const { return star_density(r_, ps_); }

  // The solution at x/t = s.
  GasState sample(double s) const {
    const double g = g_;
    if (s <= us_) {
      if (ps_ > l_.p) {  // left shock
        const double sl =
            l_.u - cl_ * std::sqrt((g + 1) / (2 * g) * ps_ / l_.p + (g - 1) / (2 * g));
        return s <= sl ? l_ : GasState{star_density(l_, ps_), us_, ps_};
      }
      const double head = l_.u - cl_;
      const double cs = cl_ * std::pow(ps_ / l_.p, (g - 1) / (2 * g));
      const double tail = us_ - cs;
      if (s <= head) return l_;
      if (s >= tail) return {star_density(l_, ps_), us_, ps_};
      const double c = 2 / (g + 1) * (cl_ + 0.5 * (g - 1) * (l_.u - s));
      const double u = 2 / (g + 1) * (cl_ + 0.5 * (g - 1) * l_.u + s);
      const double rho = l_.rho * std::pow(c / cl_, 2 / (g - 1));
      return {rho, u, l_.p * std::pow(c / cl_, 2 * g / (g - 1))};
    }
    if (ps_ > r_.p) {  // right shock
      return s >= right_shock_speed() ? r_ : GasState{star_density(r_, ps_), us_, ps_};
    }
    const double head = r_.u + cr_;
    const double cs = cr_ * std::pow(ps_ / r_.p, (g - 1) / (2 * g));
    const double tail = us_ + cs;
    if (s >= head) return r_;
    if (s <= tail) return {star_density(r_, ps_), us_, ps_};
    const double c = 2 / (g + 1) * (cr_ - 0.5 * (g - 1) * (r_.u - s));
    const double u = 2 / (g + 1) * (-cr_ + 0.5 * (g - 1) * r_.u + s);
    const double rho = r_.rho * std::pow(c / cr_, 2 / (g - 1));
    return {rho, u, r_.p * std::pow(c / cr_, 2 * g / (g - 1))};
  }

 private:
  // Toro's f_K(p) and its derivative.
  void side(const GasState& k, double c, double p, double& f, double& df) const {
    const double g = g_;
    if (p > k.p) {
      const double a = 2 / ((g + 1) * k.rho), b = (g - 1) / (g + 1) * k.p;
      const double q = std::sqrt(a / (p + b));
      f = (p - k.p) * q;
      df = q * (1 - 0.5 * (p - k.p) / (b + p));
    } else {
      f = 2 * c / (g - 1) * (std::pow(p / k.p, (g - 1) / (2 * g)) - 1);
      df = 1 / (k.rho * c) * std::pow(p / k.p, -(g + 1) / (2 * g));
    }
  }
  double star_density(const GasState& k, double p) const {
    const double g = g_;
    if (p > k.p) {
      const double r = p / k.p, m = (g - 1) / (g + 1);
      return k.rho * (r + m) / (m * r + 1);
    }
    return k.rho * std::pow(p / k.p, 1 / g);
  }

  GasState l_, r_;
  double g_, cl_ = 0, cr_ = 0, ps_ = 0, us_ = 0;
};

}  // namespace surge::test
