#pragma once
// The variants of an A/B run and how they share the market. Pure: the backtest engine, the
// leverage service and the order router all read the same specs and the same split.
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/core/clock.h"
#include "fulcrum/leverage/policies.h"

namespace fulcrum::strategy {

using core::TimestampMs;

// Seed 002's per-mode entry filters, checked before the policy sizes a signal. A filter at
// its default lets everything through.
struct EntryFilters {
  double max_vpin = 1.0;          // the VPIN filter: no entry while the signal bar's VPIN is above this
  double min_volume_ratio = 0;    // the liquidity filter: the bar's volume over its mean …
  double min_quote_volume = 0;    // … and its traded value in quote currency, at least these
  bool any() const { return max_vpin < 1.0 || min_volume_ratio > 0 || min_quote_volume > 0; }
};

// One leverage-service variant of an A/B run: who it is, which build and policy it runs,
// and its share of the split.
struct VariantSpec {
  std::string id;       // its account (shadow), its client-order-id prefix (both modes)
  std::string version;  // a label; a new one opens a new leaderboard row
  std::string policy;   // leverage::policy_names()
  leverage::PolicySuiteConfig policies;  // the top-level leverage: section with the variant's own keys over it
  EntryFilters filters;
  double weight = 1;         // split: its share of the signals
  double margin_budget = 1;  // split: the most of the shared account's equity its positions may hold as margin
};

enum class AbMode { kShadow, kSplit };
enum class TaintAction { kSkip, kFallback };

// How variants share the market. Shadow (seed 002's competition): every variant decides on
// every signal and trades its own paper account. Split: each signal goes to one variant,
// all trading one shared account.
struct AbConfig {
  AbMode mode = AbMode::kShadow;
  std::string baseline;                 // the leaderboard's reference row (default: the first variant)
  std::string split_account = "split";  // split: the shared account's name
  std::vector<VariantSpec> variants;    // empty: one variant per policy in backtest.policies
  int deadline_ms = 0;                  // mesh: a member's batch later than this after its instant is tainted (0: wait)
  TaintAction on_taint = TaintAction::kSkip;
  std::string fallback;                 // kFallback: the variant that takes a tainted one's signals
};

// The variant (by id) whose client order id `order_id` is: the longest id that prefixes it
// followed by '-'. Empty when none does (a kill switch's flatten, a liquidation).
std::string variant_of_order(const std::vector<VariantSpec>& variants, const std::string& order_id);

// Which variant takes the signal on `symbol` at `instant_ms` in split mode: the variant
// that holds the symbol's position while one is open (`holder`, by id), else a weighted
// pick by a hash of (symbol, instant) that every process computes alike. A pick named in
// `excluded` (tainted, out of the membership) goes to `fallback`, or to nobody when that is
// empty (skip); the other variants' picks never change. An excluded holder's symbol goes
// to nobody. Returns an index into `variants`, or nullopt.
std::optional<size_t> split_assignee(const std::vector<VariantSpec>& variants, const std::string& symbol, TimestampMs instant_ms,
                                     const std::string& holder, const std::vector<std::string>& excluded = {}, const std::string& fallback = "");

}  // namespace fulcrum::strategy
