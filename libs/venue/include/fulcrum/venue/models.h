#pragma once
// The paper venue's rules of cost, one model each, as nautilus_trader splits its simulated
// exchange (exchange.rs + models/). PaperVenue's matching decides *when* an order fills or
// a position is liquidated; these decide *at what price and for how much*. Each is an
// interface whose default is Binance USDⓈ-M's documented behaviour, so a study can swap
// one (a harsher fill, a VIP fee tier) without touching the matching, and each is tested
// on its own against a worked example.
#include <memory>
#include <optional>

#include "fulcrum/model/instrument.h"
#include "fulcrum/model/order.h"
#include "fulcrum/risk/margin.h"

namespace fulcrum::venue {

using model::InstrumentSpec;
using model::Price;
using model::Qty;
using model::Rate;
using core::Money;

// The price a triggered order executes at, given the price its trigger was touched at.
class FillModel {
 public:
  virtual ~FillModel() = default;
  virtual Price execution_price(const model::OrderRequest& order, Price touched, const InstrumentSpec& spec) const = 0;
};
// Market, stop and trailing orders pay `slippage` adversely, rounded to the tick against
// the trader; a limit fills at its touched price.
class SlippageFillModel final : public FillModel {
 public:
  explicit SlippageFillModel(Rate slippage) : slippage_(slippage) {}
  Price execution_price(const model::OrderRequest& order, Price touched, const InstrumentSpec& spec) const override;

 private:
  Rate slippage_;
};

// What a fill costs the account in fees (positive: paid).
class FeeModel {
 public:
  virtual ~FeeModel() = default;
  virtual Money fee(Price price, Qty qty, model::Liquidity liquidity) const = 0;
};
// notional · maker or taker rate.
class MakerTakerFeeModel final : public FeeModel {
 public:
  MakerTakerFeeModel(Rate maker, Rate taker) : maker_(maker), taker_(taker) {}
  Money fee(Price price, Qty qty, model::Liquidity liquidity) const override;

 private:
  Rate maker_, taker_;
};

// A funding payment to the account (negative: paid) for a signed position.
class FundingModel {
 public:
  virtual ~FundingModel() = default;
  virtual Money payment(Qty signed_position, Price mark, Rate rate) const = 0;
};
// Binance: at a positive rate longs pay shorts, −qty · mark · rate, at the mark price.
class MarkPriceFundingModel final : public FundingModel {
 public:
  Money payment(Qty signed_position, Price mark, Rate rate) const override;
};

// Margin: what a position posts, what it must keep, and where it is liquidated.
class MarginModel {
 public:
  virtual ~MarginModel() = default;
  virtual Money initial(Price price, Qty qty, int leverage_x) const = 0;
  virtual Money maintenance(const InstrumentSpec& spec, Price mark, Qty qty) const = 0;
  virtual std::optional<Price> liquidation_price(const InstrumentSpec& spec, const risk::LiquidationInput& in) const = 0;
};
// Binance's leverage brackets: notional / leverage to open, the bracket's rate minus its
// cumulative amount to keep, and the documented liquidation formula.
class BracketMarginModel final : public MarginModel {
 public:
  Money initial(Price price, Qty qty, int leverage_x) const override;
  Money maintenance(const InstrumentSpec& spec, Price mark, Qty qty) const override;
  std::optional<Price> liquidation_price(const InstrumentSpec& spec, const risk::LiquidationInput& in) const override;
};

// The clearance fee of a liquidation closing `qty` at `price` with `margin_left` remaining.
class LiquidationModel {
 public:
  virtual ~LiquidationModel() = default;
  virtual Money clearance_fee(Price price, Qty qty, Money margin_left) const = 0;
};
// notional · rate, never more than the margin left and never negative (what is left goes
// to Binance's insurance fund).
class ClearanceFeeLiquidationModel final : public LiquidationModel {
 public:
  explicit ClearanceFeeLiquidationModel(Rate rate) : rate_(rate) {}
  Money clearance_fee(Price price, Qty qty, Money margin_left) const override;

 private:
  Rate rate_;
};

struct VenueModels {
  std::shared_ptr<const FillModel> fill;
  std::shared_ptr<const FeeModel> fee;
  std::shared_ptr<const FundingModel> funding;
  std::shared_ptr<const MarginModel> margin;
  std::shared_ptr<const LiquidationModel> liquidation;
};

}  // namespace fulcrum::venue
