#pragma once
// Exit statuses of the bench programs, as those of surge itself: a bad command line (an
// unknown option or mode, a value that does not parse or is out of range) is reported once
// and every rank exits with status 2 before any work, since every rank reads the same command
// line and fails alike; a failure during the work ends every rank with MPI_Abort, status 1.
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <exception>

namespace surge::bench {

inline bool& reading_command_line() {
  static bool reading = true;
  return reading;
}

// Call once the command line has been read and checked, just before the work starts.
inline void command_line_done() { reading_command_line() = false; }

// For main's catch: the status to return (2, a bad command line, reported on rank 0), or
// MPI_Abort with status 1 (a failure during the work, reported by the rank that had it).
inline int failed(const char* program, int rank, const std::exception& e) {
  if (reading_command_line()) {
    // std::stoi and friends name themselves only.
    const bool number = std::strncmp(e.what(), "sto", 3) == 0 && std::strlen(e.what()) <= 5;
    if (rank == 0)
      std::fprintf(stderr, "%s: %s\n", program,
                   number ? "an option's value is not a number (or is out of range)" : e.what());
    return 2;
  }
  std::fprintf(stderr, "%s [rank %d]: %s\n", program, rank, e.what());
  MPI_Abort(MPI_COMM_WORLD, 1);
  return 1;
}

}  // namespace surge::bench
