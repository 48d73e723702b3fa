#include "core/log.hpp"

#include <iostream>

namespace surge::log {

namespace {
int g_rank = 0;
bool g_speaker = true;
}  // namespace

void set_rank(int rank, bool speaker) {
  g_rank = rank;
  g_speaker = speaker;
}
bool speaker() {
  return g_speaker;
}

void info(const std::string& m) {
  if (g_speaker) std::cout << m << std::endl;
}
void warn(const std::string& m) {
  std::cerr << "surge [rank " << g_rank << "] warning: " << m << std::endl;
}
void error(const std::string& m) {
  std::cerr << "surge [rank " << g_rank << "] error: " << m << std::endl;
}

}  // namespace surge::log
