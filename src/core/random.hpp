#pragma once
// Small, portable random numbers (study sampling, initial conditions, training buffers).
//
// The standard library's distributions are implementation-defined, so the same seed would give
// different ensembles with libstdc++ and libc++. Everything here is specified bit for bit:
// SplitMix64 (Steele, Lea, Flood 2014) as the generator and as the hash of (seed, id), doubles
// built from the top 53 bits, integers by rejection.
#include <cstdint>

namespace surge::rng {

// The SplitMix64 output function: a bijection of 64-bit words with good avalanche.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A well-mixed hash of a pair, so that (seed, id) and (seed, id + 1) give unrelated words and
// (seed, id) differs from (id, seed).
inline std::uint64_t hash2(std::uint64_t a, std::uint64_t b) {
  return mix64(mix64(a + 0x9e3779b97f4a7c15ULL) ^ (b + 0x632be59bd9b4e019ULL));
}

// Domain-separation tags, so each consumer of the study seed draws from its own streams.
inline constexpr std::uint64_t kTagRandomSampler = 0x72616e646f6d0001ULL;
inline constexpr std::uint64_t kTagLatinHypercube = 0x6c68730000000002ULL;
inline constexpr std::uint64_t kTagSimulationSeed = 0x73696d7365656403ULL;

// SplitMix64: a counter (the state advances by the golden ratio) passed through mix64.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  // The whole state, to save and continue the stream later (checkpoints).
  std::uint64_t state() const { return state_; }
  void set_state(std::uint64_t state) { state_ = state; }

  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }

  // Uniform in [0, 1) on the grid of multiples of 2^-53.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n), n >= 1, without modulo bias: draws below 2^64 mod n are
  // rejected so the accepted range is a whole number of copies of [0, n).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    std::uint64_t r = next();
    while (r < threshold) r = next();
    return r % n;
  }

  // Uniform integer in [lo, hi].
  long long between(long long lo, long long hi) {
    return lo + static_cast<long long>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

 private:
  std::uint64_t state_;
};

}  // namespace surge::rng
