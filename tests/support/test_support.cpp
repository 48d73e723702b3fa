#include "support/test_support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace surge::test {

Comm world() {
  return Comm::borrow(MPI_COMM_WORLD);
}

std::string source_path(const std::string& relative) {
  const char* root = std::getenv("SURGE_SOURCE_DIR");
  return std::string(root ? root : ".") + "/" + relative;
}

std::string scratch_dir(const std::string& name) {
  namespace fs = std::filesystem;
  Comm w = world();
  std::string dir;
  if (w.rank() == 0) {
    dir = (fs::temp_directory_path() / ("surge-test-" + name + "-" + std::to_string(::getpid())))
              .string();
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  w.bcast(dir, 0);
  return dir;
}

}  // namespace surge::test
