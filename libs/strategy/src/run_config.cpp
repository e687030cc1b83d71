#include "fulcrum/strategy/run_config.h"

namespace fulcrum::strategy {

std::vector<std::string> policy_list(const RunConfig& cfg) { return cfg.policy_names.empty() ? leverage::policy_names() : cfg.policy_names; }

}  // namespace fulcrum::strategy
