#include "fulcrum/leverage/policies.h"
#include "policy_common.h"

namespace fulcrum::leverage {
namespace {
class FixedPolicy final : public LeveragePolicy {
 public:
  FixedPolicy(FixedConfig c, std::string name) : c_(c), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  LeverageDecision decide(const LeverageInputs& in) const override {
    return detail::margin_sized(in, c_.leverage_x, c_.margin_fraction, name_);
  }
 private:
  FixedConfig c_;
  std::string name_;
};
}  // namespace
std::unique_ptr<LeveragePolicy> make_fixed(const FixedConfig& c, std::string name) { return std::make_unique<FixedPolicy>(c, std::move(name)); }
}  // namespace fulcrum::leverage
