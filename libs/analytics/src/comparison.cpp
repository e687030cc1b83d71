#include "fulcrum/analytics/comparison.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>

namespace fulcrum::analytics {
namespace {

double mean_of(const std::vector<double>& x) { return x.empty() ? 0 : std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size()); }
double normal_two_sided_p(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

using Vec4 = std::array<double, 4>;

struct SharpeParts {
  double delta = 0;
  Vec4 gradient{};
};

// Δ and its gradient in (μa, μb, E a², E b²).
SharpeParts sharpe_parts(double ma, double mb, double ga, double gb) {
  SharpeParts s;
  const double va = ga - ma * ma, vb = gb - mb * mb;
  if (!(va > 0) || !(vb > 0)) return s;
  s.delta = ma / std::sqrt(va) - mb / std::sqrt(vb);
  s.gradient = {ga / std::pow(va, 1.5), -gb / std::pow(vb, 1.5), -ma / (2 * std::pow(va, 1.5)), mb / (2 * std::pow(vb, 1.5))};
  return s;
}

// ∇ᵀ Ψ ∇ with Ψ the Newey–West long-run covariance of y_t (4 columns), over n rows.
double quadratic_hac(const std::vector<Vec4>& y, const Vec4& g, int lag) {
  // Project first: ∇ᵀΨ∇ is the long-run variance of the scalar series ∇ᵀy_t.
  std::vector<double> z(y.size());
  for (size_t t = 0; t < y.size(); ++t) z[t] = g[0] * y[t][0] + g[1] * y[t][1] + g[2] * y[t][2] + g[3] * y[t][3];
  return newey_west_variance(z, lag);
}

}  // namespace

int newey_west_lag(size_t n) { return static_cast<int>(std::floor(4.0 * std::pow(static_cast<double>(n) / 100.0, 2.0 / 9.0))); }

double newey_west_variance(const std::vector<double>& x, int lag) {
  const size_t n = x.size();
  if (n == 0) return 0;
  const double m = mean_of(x);
  auto gamma = [&](size_t j) {
    double s = 0;
    for (size_t t = j; t < n; ++t) s += (x[t] - m) * (x[t - j] - m);
    return s / static_cast<double>(n);
  };
  double v = gamma(0);
  for (int j = 1; j <= lag && static_cast<size_t>(j) < n; ++j) v += 2.0 * (1.0 - static_cast<double>(j) / (lag + 1)) * gamma(static_cast<size_t>(j));
  return std::max(v, 0.0);
}

HacTest paired_hac_test(const std::vector<double>& a, const std::vector<double>& b, int lag) {
  HacTest r;
  const size_t n = std::min(a.size(), b.size());
  r.n = n;
  if (n < 3) return r;
  std::vector<double> d(n);
  for (size_t t = 0; t < n; ++t) d[t] = a[t] - b[t];
  r.lag = lag >= 0 ? lag : newey_west_lag(n);
  r.mean_difference = mean_of(d);
  r.standard_error = std::sqrt(newey_west_variance(d, r.lag) / static_cast<double>(n));
  if (r.standard_error > 0) {
    r.t = r.mean_difference / r.standard_error;
    r.p_value = normal_two_sided_p(r.t);
  }
  return r;
}

double sharpe_difference_se(const std::vector<double>& a, const std::vector<double>& b, int lag) {
  const size_t n = std::min(a.size(), b.size());
  if (n < 3) return 0;
  double ma = 0, mb = 0, ga = 0, gb = 0;
  for (size_t t = 0; t < n; ++t) ma += a[t], mb += b[t], ga += a[t] * a[t], gb += b[t] * b[t];
  ma /= static_cast<double>(n), mb /= static_cast<double>(n), ga /= static_cast<double>(n), gb /= static_cast<double>(n);
  const auto parts = sharpe_parts(ma, mb, ga, gb);
  std::vector<Vec4> y(n);
  for (size_t t = 0; t < n; ++t) y[t] = {a[t] - ma, b[t] - mb, a[t] * a[t] - ga, b[t] * b[t] - gb};
  return std::sqrt(quadratic_hac(y, parts.gradient, lag) / static_cast<double>(n));
}

SharpeDifference sharpe_difference(const std::vector<double>& a, const std::vector<double>& b, double confidence, int resamples, size_t block,
                                   uint64_t seed) {
  SharpeDifference r;
  const size_t n = std::min(a.size(), b.size());
  r.n = n;
  r.confidence = confidence;
  if (n < 4) return r;
  double ma = 0, mb = 0, ga = 0, gb = 0;
  for (size_t t = 0; t < n; ++t) ma += a[t], mb += b[t], ga += a[t] * a[t], gb += b[t] * b[t];
  ma /= static_cast<double>(n), mb /= static_cast<double>(n), ga /= static_cast<double>(n), gb /= static_cast<double>(n);
  r.delta = sharpe_parts(ma, mb, ga, gb).delta;
  r.standard_error = sharpe_difference_se(a, b, newey_west_lag(n));
  r.block = block > 0 ? block : static_cast<size_t>(std::ceil(std::cbrt(static_cast<double>(n))));
  r.resamples = resamples;
  if (!(r.standard_error > 0) || resamples < 1) return r;

  // Studentized circular block bootstrap: each resample's own Δ* and its standard error
  // from the natural block-sum variance (Ledoit–Wolf 2008, section 3.2.2).
  const size_t l = std::max<size_t>(1, n / r.block);
  const size_t len = l * r.block;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> start(0, n - 1);
  std::vector<double> tstats;
  tstats.reserve(static_cast<size_t>(resamples));
  std::vector<size_t> index(len);
  for (int k = 0; k < resamples; ++k) {
    for (size_t blk = 0; blk < l; ++blk) {
      const size_t s = start(rng);
      for (size_t i = 0; i < r.block; ++i) index[blk * r.block + i] = (s + i) % n;
    }
    double sa = 0, sb = 0, qa = 0, qb = 0;
    for (size_t i : index) sa += a[i], sb += b[i], qa += a[i] * a[i], qb += b[i] * b[i];
    const double L = static_cast<double>(len);
    sa /= L, sb /= L, qa /= L, qb /= L;
    const auto parts = sharpe_parts(sa, sb, qa, qb);
    double psi = 0;
    for (size_t blk = 0; blk < l; ++blk) {
      double z = 0;
      for (size_t i = 0; i < r.block; ++i) {
        const size_t t = index[blk * r.block + i];
        z += parts.gradient[0] * (a[t] - sa) + parts.gradient[1] * (b[t] - sb) + parts.gradient[2] * (a[t] * a[t] - qa) + parts.gradient[3] * (b[t] * b[t] - qb);
      }
      psi += z * z / static_cast<double>(r.block);
    }
    psi /= static_cast<double>(l);
    // Floored at a tenth of the full sample's: two accounts that agree on most days give
    // resamples of identical blocks whose standard error is ~0, and a t* of 10^13 says
    // nothing about the sampling distribution.
    const double se = std::max(std::sqrt(psi / L), 0.1 * r.standard_error);
    tstats.push_back(std::abs(parts.delta - r.delta) / se);
  }
  if (tstats.empty()) return r;
  std::sort(tstats.begin(), tstats.end());
  const auto q_index = std::min(tstats.size() - 1, static_cast<size_t>(std::ceil(confidence * static_cast<double>(tstats.size()))) - 1);
  const double q = tstats[q_index];
  r.ci_low = r.delta - q * r.standard_error;
  r.ci_high = r.delta + q * r.standard_error;
  const double observed = std::abs(r.delta) / r.standard_error;
  const auto beyond = static_cast<double>(tstats.end() - std::lower_bound(tstats.begin(), tstats.end(), observed));
  r.p_value = (beyond + 1) / (static_cast<double>(tstats.size()) + 1);
  return r;
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  const size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return p[x] < p[y]; });
  std::vector<double> out(m);
  double running = 0;
  for (size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, static_cast<double>(m - k) * p[order[k]]));
    out[order[k]] = running;
  }
  return out;
}

}  // namespace fulcrum::analytics
