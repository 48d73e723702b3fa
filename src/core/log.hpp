#pragma once
// Logging: progress and information go to stdout from the rank chosen as the speaker (rank 0
// of the job); warnings and errors go to stderr from whichever rank has them, prefixed with
// that rank.
#include <string>

namespace surge::log {

// Sets this process's rank in the job and whether it is the one that prints progress.
void set_rank(int rank, bool speaker);
bool speaker();
void info(const std::string& message);   // speaker only
void warn(const std::string& message);   // any rank, stderr
void error(const std::string& message);  // any rank, stderr

}  // namespace surge::log
