#pragma once
// The venue's order acceptance rules as one pure function: the paper venue applies them on
// submit, and the leverage service applies the same rules to the order router's account
// snapshot so it knows, before the round trip, what the venue will accept.
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/model/instrument.h"
#include "fulcrum/model/order.h"

namespace fulcrum::venue {

using core::Money;
using core::TimestampMs;
using model::Price;
using model::Qty;
using model::Rate;

enum class RejectReason {
  kNone,
  kDuplicateClientOrderId,
  kUnknownSymbol,
  kInvalidQuantity,
  kQuantityNotOnStep,
  kPriceNotOnTick,
  kBelowMinNotional,
  kReduceOnlyWithoutPosition,
  kLeverageAboveBracket,
  kInsufficientMargin,
  kNoPrice,
  kInvalidLeverage,       // below 1x
  kInvalidPrice,          // a limit or stop price that is not positive
  kAboveMaxQuantity,      // LOT_SIZE / MARKET_LOT_SIZE maxQty
  kAboveMaxNotional,      // the position would exceed the last bracket's cap
  kValueOutOfRange,       // a product that does not fit 64-bit fixed point
  kTradingState,          // the trading state in force (kill switch) forbids it: the router's last check
  kExchangeRefused,       // a live exchange refused it (its code and message in the detail), or could not be asked
};
const char* to_string(RejectReason r);
// Every reason but kNone, for metrics that must exist before the first rejection.
std::vector<RejectReason> all_reject_reasons();

struct SubmitResult {
  RejectReason reason = RejectReason::kNone;
  std::string detail;
  bool accepted() const { return reason == RejectReason::kNone; }
};

struct Position {
  Qty qty;                // signed: + long, − short
  Price entry_price;
  Money isolated_margin;  // isolated mode: the position's own wallet
  int leverage_x = 1;
  TimestampMs opened_ms = 0;
  std::string opened_by;  // the client order id whose fill opened it: a split run's variant prefix
};

// Initial margin of `q` at price `p`: notional / leverage, rounded half away from zero.
Money initial_margin(Price p, Qty q, int leverage_x);

// Every check of submit() except the duplicate client order id and the symbol lookup:
// quantity and price grids and limits, reduce-only, min notional, position cap, bracket
// leverage, margin. Never throws: a value too large to compute is kValueOutOfRange.
SubmitResult check_order(const model::InstrumentSpec& spec, const model::OrderRequest& req, std::optional<Price> last_price,
                         const Position& position, Money available_balance, Rate taker_fee);

}  // namespace fulcrum::venue
