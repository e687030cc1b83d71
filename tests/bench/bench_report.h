#pragma once
// The benchmarks' one way to print a latency distribution.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace fulcrum::bench {

inline void report_latency(const char* what, std::vector<int64_t> ns) {
  if (ns.empty()) return (void)std::printf("%-46s n=0\n", what);
  std::sort(ns.begin(), ns.end());
  const auto q = [&](double p) { return static_cast<double>(ns[static_cast<size_t>(p * static_cast<double>(ns.size() - 1))]) / 1000.0; };
  std::printf("%-46s n=%zu  p50 %8.2f us  p99 %8.2f us  p99.9 %8.2f us\n", what, ns.size(), q(0.5), q(0.99), q(0.999));
}

}  // namespace fulcrum::bench
