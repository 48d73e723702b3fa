#pragma once
// The times at which a simulation's snapshots are taken, shared by surge simulate (written)
// and surge run (streamed), so that both see the same states.
#include <algorithm>
#include <cmath>
#include <vector>

namespace surge {

// 0, every, 2 every, ... up to t_end, and t_end itself when it is not a multiple of `every`.
// Not collective.
inline std::vector<double> snapshot_times(double every, double t_end) {
  std::vector<double> t;
  const long n = static_cast<long>(std::floor(t_end / every * (1 + 1e-12)));
  for (long k = 0; k <= n; ++k) t.push_back(static_cast<double>(k) * every);
  if (t_end - t.back() > 1e-12 * std::max(1.0, t_end)) t.push_back(t_end);
  return t;
}

}  // namespace surge
