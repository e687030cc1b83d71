#pragma once
// Orders, fills and the reasons behind a decision.
#include <cstdint>
#include <map>
#include <string>

#include "fulcrum/core/clock.h"
#include "fulcrum/core/fixed_point.h"

namespace fulcrum::model {

using core::Money;
using core::Price;
using core::Qty;
using core::Rate;
using core::TimestampMs;

enum class Side : int8_t { kBuy = 1, kSell = -1 };
inline int sign(Side s) { return static_cast<int>(s); }
inline Side opposite(Side s) { return s == Side::kBuy ? Side::kSell : Side::kBuy; }
inline const char* to_string(Side s) { return s == Side::kBuy ? "BUY" : "SELL"; }

enum class OrderType : uint8_t { kMarket, kLimit, kStopMarket, kTrailingStop };
const char* to_string(OrderType t);

enum class MarginMode : uint8_t { kIsolated, kCross };

struct OrderRequest {
  std::string client_order_id;  // idempotency key: a repeated id is rejected, never filled twice
  std::string symbol;
  Side side = Side::kBuy;
  OrderType type = OrderType::kMarket;
  Qty quantity;
  Price limit_price;             // kLimit
  Price stop_price;              // kStopMarket: trigger; kTrailingStop: activation (0 = immediately)
  Rate callback_rate;            // kTrailingStop: retrace from the extreme that triggers, e.g. 0.015
  bool reduce_only = false;
  bool close_position = false;   // stops only: closes the whole position at trigger; quantity ignored
  int leverage_x = 1;            // for opening orders: the leverage the margin is posted at
  // Protection armed the moment this order fills (one-triggers-other), so no part of the
  // entry bar goes unprotected. Zero means none. Ids: <client_order_id>.sl / .ts
  Price attached_stop_price;
  Rate attached_trailing_callback;
  Price attached_trailing_activation;
};

enum class Liquidity : uint8_t { kMaker, kTaker, kLiquidation };

struct Fill {
  std::string client_order_id;
  std::string symbol;
  Side side = Side::kBuy;
  Price price;
  Qty quantity;
  Money fee;
  Money realized_pnl;
  Liquidity liquidity = Liquidity::kTaker;
  TimestampMs time_ms = 0;
};

// A decision's inputs and outcome, as key → value, kept in the ledger verbatim.
using ReasonMap = std::map<std::string, std::string>;

}  // namespace fulcrum::model
