#pragma once
// Every cash movement of an account, in order. Σ amounts = wallet balance − 0, always.
#include <string>
#include <vector>

#include "fulcrum/core/clock.h"
#include "fulcrum/core/fixed_point.h"

namespace fulcrum::venue {

using core::Money;
using core::TimestampMs;

enum class LedgerKind { kDeposit, kTradeFee, kRealizedPnl, kFunding, kLiquidationFee };
const char* to_string(LedgerKind k);

struct LedgerEntry {
  uint64_t seq = 0;
  TimestampMs time_ms = 0;
  std::string symbol;
  LedgerKind kind = LedgerKind::kDeposit;
  Money amount;         // signed: + credits the wallet
  Money balance_after;  // wallet balance after this entry
  std::string ref;      // client order id, or funding time
  std::string detail;   // the numbers behind the amount, e.g. "rate=0.0001 mark=… qty=…"
};

class Ledger {
 public:
  const LedgerEntry& post(TimestampMs t, std::string symbol, LedgerKind kind, Money amount, std::string ref, std::string detail);
  Money balance() const { return balance_; }
  const std::vector<LedgerEntry>& entries() const { return entries_; }
  Money total(LedgerKind kind) const;

 private:
  std::vector<LedgerEntry> entries_;
  Money balance_;
};

}  // namespace fulcrum::venue
