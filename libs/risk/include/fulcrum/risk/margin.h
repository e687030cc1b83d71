#pragma once
// Binance USDⓈ-M margin math, one-way mode, in exact fixed point. Shared by the paper
// venue, the order planner and `fulcrum calc`, so all three agree to the last unit.
#include <optional>
#include <vector>

#include "fulcrum/model/instrument.h"

namespace fulcrum::risk {

using core::Money;
using core::Price;
using core::Qty;
using core::Rate;
using model::MarginBracket;

// Initial margin = notional / leverage, rounded half away from zero. leverage_x ≥ 1.
Money initial_margin(Money notional, int leverage_x);
// Maintenance margin = |notional| · MMR(bracket) − cum(bracket).
Money maintenance_margin(const std::vector<MarginBracket>& brackets, Money notional);
int max_leverage_for_notional(const std::vector<MarginBracket>& brackets, Money notional);

struct LiquidationInput {
  int side = 1;                  // +1 long, −1 short
  Qty quantity;                  // absolute position size
  Price entry_price;
  Money wallet_balance;          // isolated: the position's isolated wallet; cross: the cross wallet
  Money other_maintenance;       // TMM1: cross only, maintenance of every other position
  Money other_unrealized_pnl;    // UPNL1: cross only
};

struct LiquidationResult {
  std::optional<Price> price;  // nullopt: the position cannot be liquidated (Binance shows "--")
  Rate mmr;                    // rate of the bracket at the liquidation notional
  Money cum;
  int bracket_index = 0;
};

// LP = (WB − TMM1 + UPNL1 + cum − side·Q·EP) / (Q·MMR − side·Q), with the bracket taken at
// the liquidation notional (re-solved when it differs from the entry notional's bracket).
// Computed as one exact rational and rounded once; throws core::ArithmeticOverflow when an
// input is too large for the result to be represented.
LiquidationResult liquidation_price(const std::vector<MarginBracket>& brackets, const LiquidationInput& in);

// The source document's simplified isolated form: entry · (1 ∓ IMR ± MMR). Display only,
// for comparison in `fulcrum calc`; the venue uses liquidation_price().
double liquidation_price_simplified(int side, double entry_price, double leverage_x, double mmr);

}  // namespace fulcrum::risk
