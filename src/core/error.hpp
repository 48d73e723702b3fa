#pragma once
// The two kinds of failure surge tells apart, and the exit status each maps to.
#include <stdexcept>
#include <string>

namespace surge {

// Bad input: configuration, files, command line. Reported before any work; exit status 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure while working (I/O error, a rank that cannot continue); exit status 1.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitInput = 2;

}  // namespace surge
