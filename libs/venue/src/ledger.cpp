#include "fulcrum/venue/ledger.h"

namespace fulcrum::venue {

const char* to_string(LedgerKind k) {
  switch (k) {
    case LedgerKind::kDeposit: return "DEPOSIT";
    case LedgerKind::kTradeFee: return "TRADE_FEE";
    case LedgerKind::kRealizedPnl: return "REALIZED_PNL";
    case LedgerKind::kFunding: return "FUNDING";
    case LedgerKind::kLiquidationFee: return "LIQUIDATION_FEE";
  }
  return "UNKNOWN";
}

const LedgerEntry& Ledger::post(TimestampMs t, std::string symbol, LedgerKind kind, Money amount, std::string ref, std::string detail) {
  balance_ += amount;
  entries_.push_back({entries_.size() + 1, t, std::move(symbol), kind, amount, balance_, std::move(ref), std::move(detail)});
  return entries_.back();
}

Money Ledger::total(LedgerKind kind) const {
  Money sum;
  for (const auto& e : entries_)
    if (e.kind == kind) sum += e.amount;
  return sum;
}

}  // namespace fulcrum::venue
