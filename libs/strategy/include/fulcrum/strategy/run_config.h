#pragma once
// What a run trades and how: its window, its starting equity, and every stage's settings.
// The backtest engine and each mesh service read this one struct (the config's backtest,
// venue, features, signal, leverage and strategy sections), so they cannot drift apart.
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/features/feature_set.h"
#include "fulcrum/leverage/policies.h"
#include "fulcrum/signals/breakout.h"
#include "fulcrum/strategy/order_planner.h"
#include "fulcrum/strategy/variant.h"
#include "fulcrum/venue/paper_venue.h"

namespace fulcrum::strategy {

struct RunConfig {
  TimestampMs from_ms = 0;  // trading window; earlier data only warms features up
  TimestampMs to_ms = 0;
  double initial_equity = 10'000;
  venue::VenueConfig venue;
  features::FeatureConfig features;
  signals::BreakoutConfig signal;
  leverage::PolicySuiteConfig policies;
  PlannerConfig strategy;
  std::vector<std::string> policy_names;  // empty: all
  AbConfig ab;
};

// The policies a run trades, one account each: the config's list, or every policy.
std::vector<std::string> policy_list(const RunConfig& cfg);
// The variants a run trades: ab.variants, or one per policy of policy_list() (id = policy).
std::vector<VariantSpec> variant_list(const RunConfig& cfg);
// The router's accounts: one per variant in shadow mode, the one shared account in split.
std::vector<std::string> account_list(const RunConfig& cfg);

}  // namespace fulcrum::strategy
