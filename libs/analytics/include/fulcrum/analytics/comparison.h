#pragma once
// Is one policy (or leverage variant) better than the baseline, or just luckier? Paired
// tests on the two accounts' returns over the same intervals (both traded the same
// signals at the same instants, so their returns are paired and autocorrelated):
//
// - The mean return difference d_t = a_t − b_t with a Newey–West (1987) standard error:
//   Bartlett weights w_j = 1 − j/(L+1), lag L = ⌊4·(n/100)^(2/9)⌋ unless given; t = d̄/se,
//   two-sided p from the normal.
// - The Sharpe-ratio difference Δ = μa/σa − μb/σb per interval, Ledoit & Wolf (2008),
//   "Robust performance hypothesis testing with the Sharpe ratio": a delta-method HAC
//   standard error (the same Newey–West kernel on (a−μa, b−μb, a²−E a², b²−E b²)), and a
//   studentized circular block bootstrap for the confidence interval and p-value (each
//   resample's standard error floored at a tenth of the sample's: near-identical accounts
//   give resamples with a standard error of ~0 and a meaningless t*), with
//   block length ⌈n^(1/3)⌉ unless given and a fixed seed, so a report is reproducible.
// - Holm (1979) step-down adjustment of the p-values across several variants.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fulcrum::analytics {

int newey_west_lag(size_t n);
// The Newey–West long-run variance of the series (γ0 + 2 Σ_{j≤L} w_j γj, γ with 1/n).
double newey_west_variance(const std::vector<double>& x, int lag);

struct HacTest {
  size_t n = 0;
  int lag = 0;
  double mean_difference = 0, standard_error = 0, t = 0, p_value = 1;
};
// a and b over the same intervals (equal lengths; fewer than 3 pairs: n only, p 1).
HacTest paired_hac_test(const std::vector<double>& a, const std::vector<double>& b, int lag = -1);

struct SharpeDifference {
  size_t n = 0;
  double delta = 0;           // per interval: SR(a) − SR(b)
  double standard_error = 0;  // Ledoit–Wolf HAC
  double ci_low = 0, ci_high = 0;
  double confidence = 0.95;
  double p_value = 1;         // H0: Δ = 0, from the studentized bootstrap
  size_t block = 0;
  int resamples = 0;
};
SharpeDifference sharpe_difference(const std::vector<double>& a, const std::vector<double>& b, double confidence = 0.95, int resamples = 2000,
                                   size_t block = 0, uint64_t seed = 20080101);

// The Ledoit–Wolf delta-method standard error of the per-interval Sharpe difference.
double sharpe_difference_se(const std::vector<double>& a, const std::vector<double>& b, int lag);

// Holm's adjusted p-values, in the input order.
std::vector<double> holm_adjust(const std::vector<double>& p);

}  // namespace fulcrum::analytics
