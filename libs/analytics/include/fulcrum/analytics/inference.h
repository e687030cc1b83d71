#pragma once
// How sure a research report may be of one policy's figures and of a model's skill:
//
// - The annualised Sharpe of daily returns with a circular block bootstrap percentile
//   interval (Politis & Romano 1992): blocks of ⌈n^(1/3)⌉ days keep the returns'
//   autocorrelation, and a fixed seed makes a report reproducible.
// - The deflated Sharpe ratio, Bailey & López de Prado (2014), "The Deflated Sharpe Ratio":
//   the probability that the true Sharpe is above what the best of N trials would show by
//   luck, SR0 = √V · ((1−γ)·Φ⁻¹(1−1/N) + γ·Φ⁻¹(1−1/(N·e))), with V the variance of the N
//   trials' Sharpe ratios and γ Euler's constant; DSR = Φ((SR−SR0)·√(T−1) / √(1 − g3·SR +
//   (g4−1)/4·SR²)), per-period Sharpe, g3 skewness and g4 (non-excess) kurtosis. N = 1 gives
//   the probabilistic Sharpe ratio against 0.
// - ROC AUC as the Mann–Whitney probability that a positive outranks a negative (ties
//   count half), and its bootstrap percentile interval.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fulcrum::analytics {

struct Interval {
  double estimate = 0, low = 0, high = 0;
  double confidence = 0.95;
};

Interval sharpe_interval(const std::vector<double>& daily, double confidence = 0.95, int resamples = 2000, size_t block = 0, uint64_t seed = 19920101);

double normal_cdf(double z);
double normal_quantile(double p);  // Φ⁻¹, for p in (0, 1)

// `daily` is the tested policy's series; `trial_sharpes` the per-period (not annualised)
// Sharpe of every variant tried in the run, the tested one included.
double deflated_sharpe_ratio(const std::vector<double>& daily, const std::vector<double>& trial_sharpes);
double per_period_sharpe(const std::vector<double>& x);

// scores and labels (0/1) of equal length; 0.5 when either class is absent.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);
Interval auc_interval(const std::vector<double>& scores, const std::vector<int>& labels, double confidence = 0.95, int resamples = 1000, uint64_t seed = 19750101);

}  // namespace fulcrum::analytics
