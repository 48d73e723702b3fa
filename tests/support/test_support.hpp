#pragma once
// Helpers shared by the tests.
#include <string>

#include "parallel/comm.hpp"

namespace surge::test {

// The world communicator (tests are mains, like apps/, and may name it).
Comm world();
// Absolute path of a file in the source tree (tests/config/bad/x.yaml, configs/...).
std::string source_path(const std::string& relative);
// A fresh scratch directory, the same on every rank (collective).
std::string scratch_dir(const std::string& name);

}  // namespace surge::test
