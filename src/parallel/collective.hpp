#pragma once
// Collective error agreement: bad input found by some ranks stops every rank together.
#include <string>

#include "core/error.hpp"
#include "parallel/comm.hpp"

namespace surge {

// Collective over `comm`: after a local check, makes every rank agree. If any rank passes a
// non-empty `problem`, every rank throws InputError with the problem of the lowest such rank.
void agree_on_problem(const Comm& comm, const std::string& problem);

// Collective over `comm`: runs `f` on every rank; an InputError thrown on any rank is rethrown
// on every rank (with the lowest failing rank's message).
template <class F>
void agree_on_input(const Comm& comm, F&& f) {
  std::string problem;
  try {
    f();
  } catch (const InputError& e) {
    problem = e.what();
    if (problem.empty()) problem = "invalid input";
  }
  agree_on_problem(comm, problem);
}

}  // namespace surge
