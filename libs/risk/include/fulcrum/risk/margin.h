#pragma once
// Binance USDⓈ-M margin math, one-way mode. Shared by the paper venue, the risk gate and
// `fulcrum calc`, so all three agree to the cent.
#include <vector>

#include "fulcrum/model/instrument.h"

namespace fulcrum::risk {

using model::MarginBracket;

double initial_margin(double notional, double leverage_x);
// Maintenance margin = notional · MMR(bracket) − cum(bracket).
double maintenance_margin(const std::vector<MarginBracket>& brackets, double notional);
int max_leverage_for_notional(const std::vector<MarginBracket>& brackets, double notional);

struct LiquidationInput {
  int side = 1;                    // +1 long, −1 short
  double quantity = 0;             // absolute position size
  double entry_price = 0;
  double wallet_balance = 0;       // isolated: the position's isolated wallet; cross: the cross wallet
  double other_maintenance = 0;    // TMM1: cross only, maintenance of every other position
  double other_unrealized_pnl = 0; // UPNL1: cross only
};

struct LiquidationResult {
  double price = 0;       // ≤ 0 means the position cannot be liquidated (Binance shows "--")
  double mmr = 0;         // rate of the bracket at the liquidation notional
  double cum = 0;
  int bracket_index = 0;
};

// LP = (WB − TMM1 + UPNL1 + cum − side·Q·EP) / (Q·MMR − side·Q), with the bracket taken at
// the liquidation notional (re-solved when it differs from the entry notional's bracket).
LiquidationResult liquidation_price(const std::vector<MarginBracket>& brackets, const LiquidationInput& in);

// The source document's simplified isolated form: entry · (1 ∓ IMR ± MMR). Kept as a named
// option for comparison; the venue uses liquidation_price().
double liquidation_price_simplified(int side, double entry_price, double leverage_x, double mmr);

}  // namespace fulcrum::risk
