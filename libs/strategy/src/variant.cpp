#include "fulcrum/strategy/run_config.h"
#include "fulcrum/strategy/variant.h"

#include <algorithm>

#include "fulcrum/core/digest.h"

namespace fulcrum::strategy {

std::vector<std::string> policy_list(const RunConfig& cfg) { return cfg.policy_names.empty() ? leverage::policy_names() : cfg.policy_names; }

std::vector<VariantSpec> variant_list(const RunConfig& cfg) {
  if (!cfg.ab.variants.empty()) return cfg.ab.variants;
  std::vector<VariantSpec> out;
  for (const auto& p : policy_list(cfg)) {
    VariantSpec v;
    v.id = v.policy = p;
    v.policies = cfg.policies;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::string> account_list(const RunConfig& cfg) {
  if (cfg.ab.mode == AbMode::kSplit) return {cfg.ab.split_account};
  std::vector<std::string> out;
  for (const auto& v : variant_list(cfg)) out.push_back(v.id);
  return out;
}

std::string variant_of_order(const std::vector<VariantSpec>& variants, const std::string& order_id) {
  std::string best;
  for (const auto& v : variants)
    if (v.id.size() > best.size() && order_id.size() > v.id.size() && order_id.compare(0, v.id.size(), v.id) == 0 && order_id[v.id.size()] == '-')
      best = v.id;
  return best;
}

std::optional<size_t> split_assignee(const std::vector<VariantSpec>& variants, const std::string& symbol, TimestampMs instant_ms, const std::string& holder,
                                     const std::vector<std::string>& excluded, const std::string& fallback) {
  const auto is_excluded = [&](const std::string& id) { return std::find(excluded.begin(), excluded.end(), id) != excluded.end(); };
  const auto index_of = [&](const std::string& id) -> std::optional<size_t> {
    for (size_t i = 0; i < variants.size(); ++i)
      if (variants[i].id == id) return i;
    return std::nullopt;
  };
  // Sticky: one-way mode nets a symbol's orders into one position, so only its holder may
  // trade it; a tainted holder's symbol is frozen (its stops stay) rather than handed on,
  // since another variant's orders would land in a trade the holder's prefix owns.
  if (!holder.empty()) return is_excluded(holder) ? std::nullopt : index_of(holder);
  // The pick is over every variant, excluded or not, so a taint never moves another
  // variant's signals: the tainted one's share is skipped or goes to the fallback.
  double total = 0;
  for (const auto& v : variants) total += v.weight > 0 ? v.weight : 0;
  if (!(total > 0)) return std::nullopt;
  // SHA-256 rather than std::hash: the same number in every process, build and platform.
  const auto digest = core::sha256_hex(symbol + "@" + std::to_string(instant_ms));
  const double u = static_cast<double>(std::stoull(digest.substr(0, 13), nullptr, 16)) / static_cast<double>(1ULL << 52);
  double cumulative = 0;
  std::optional<size_t> pick;
  for (size_t i = 0; i < variants.size(); ++i) {
    if (!(variants[i].weight > 0)) continue;
    cumulative += variants[i].weight / total;
    pick = i;
    if (u < cumulative) break;  // rounding may leave u at the very top: the last one
  }
  if (!pick || !is_excluded(variants[*pick].id)) return pick;
  if (fallback.empty() || is_excluded(fallback)) return std::nullopt;
  return index_of(fallback);
}

}  // namespace fulcrum::strategy
