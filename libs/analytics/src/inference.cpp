#include "fulcrum/analytics/inference.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "fulcrum/analytics/metrics.h"

namespace fulcrum::analytics {
namespace {

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

double per_period_sharpe(const std::vector<double>& x) {
  if (x.size() < 2) return 0;
  const double n = static_cast<double>(x.size());
  const double m = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double var = 0;
  for (const double r : x) var += (r - m) * (r - m);
  const double sd = std::sqrt(var / (n - 1));
  return sd > 0 ? m / sd : 0;
}

Interval sharpe_interval(const std::vector<double>& daily, double confidence, int resamples, size_t block, uint64_t seed) {
  Interval out;
  out.confidence = confidence;
  out.estimate = sharpe_ratio(daily);
  const size_t n = daily.size();
  if (n < 3 || resamples < 1) {
    out.low = out.high = out.estimate;
    return out;
  }
  if (block == 0) block = static_cast<size_t>(std::ceil(std::cbrt(static_cast<double>(n))));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> start(0, n - 1);
  std::vector<double> stats;
  stats.reserve(static_cast<size_t>(resamples));
  std::vector<double> resample(n);
  for (int r = 0; r < resamples; ++r) {
    for (size_t filled = 0; filled < n;) {
      const size_t s = start(rng);
      for (size_t i = 0; i < block && filled < n; ++i) resample[filled++] = daily[(s + i) % n];
    }
    stats.push_back(sharpe_ratio(resample));
  }
  const double tail = (1 - confidence) / 2;
  out.low = percentile(stats, tail);
  out.high = percentile(stats, 1 - tail);
  return out;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Acklam's rational approximation refined by one Halley step on erfc: accurate to ~1e-15.
double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) return p <= 0 ? -INFINITY : INFINITY;
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  const double low = 0.02425;
  double x;
  if (p < low) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double deflated_sharpe_ratio(const std::vector<double>& daily, const std::vector<double>& trial_sharpes) {
  const size_t t = daily.size();
  if (t < 3) return 0;
  const double n = static_cast<double>(t);
  const double m = std::accumulate(daily.begin(), daily.end(), 0.0) / n;
  double m2 = 0, m3 = 0, m4 = 0;
  for (const double r : daily) {
    const double d = r - m;
    m2 += d * d, m3 += d * d * d, m4 += d * d * d * d;
  }
  m2 /= n, m3 /= n, m4 /= n;
  if (!(m2 > 0)) return 0;
  const double skew = m3 / std::pow(m2, 1.5);
  const double kurtosis = m4 / (m2 * m2);
  const double sr = per_period_sharpe(daily);
  double sr0 = 0;
  const size_t trials = trial_sharpes.size();
  if (trials > 1) {
    const double mean_sr = std::accumulate(trial_sharpes.begin(), trial_sharpes.end(), 0.0) / static_cast<double>(trials);
    double var = 0;
    for (const double s : trial_sharpes) var += (s - mean_sr) * (s - mean_sr);
    var /= static_cast<double>(trials - 1);
    constexpr double kEuler = 0.5772156649015329;
    const double nt = static_cast<double>(trials);
    sr0 = std::sqrt(var) * ((1 - kEuler) * normal_quantile(1 - 1 / nt) + kEuler * normal_quantile(1 - 1 / (nt * M_E)));
  }
  const double denominator = 1 - skew * sr + (kurtosis - 1) / 4 * sr * sr;
  if (!(denominator > 0)) return 0;
  return normal_cdf((sr - sr0) * std::sqrt(n - 1) / std::sqrt(denominator));
}

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
  const size_t n = std::min(scores.size(), labels.size());
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Mann–Whitney: the rank sum of the positives, ties given their mean rank.
  double positives = 0, rank_sum = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (size_t k = i; k < j; ++k)
      if (labels[order[k]] == 1) positives += 1, rank_sum += mean_rank;
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) return 0.5;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

Interval auc_interval(const std::vector<double>& scores, const std::vector<int>& labels, double confidence, int resamples, uint64_t seed) {
  Interval out;
  out.confidence = confidence;
  out.estimate = roc_auc(scores, labels);
  const size_t n = std::min(scores.size(), labels.size());
  if (n < 3 || resamples < 1) {
    out.low = out.high = out.estimate;
    return out;
  }
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  std::vector<double> stats, s(n);
  std::vector<int> l(n);
  for (int r = 0; r < resamples; ++r) {
    for (size_t i = 0; i < n; ++i) {
      const size_t k = pick(rng);
      s[i] = scores[k], l[i] = labels[k];
    }
    stats.push_back(roc_auc(s, l));
  }
  const double tail = (1 - confidence) / 2;
  out.low = percentile(stats, tail);
  out.high = percentile(stats, 1 - tail);
  return out;
}

}  // namespace fulcrum::analytics
