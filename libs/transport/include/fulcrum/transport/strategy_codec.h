#pragma once
// Strategy and order values ↔ protobuf: features, instant signals, account snapshots,
// order commands. Doubles and fixed-point raws travel bit-exact, so each stage computes in
// its own process exactly what it computes inside the backtest.
#include <stdexcept>
#include <string>
#include <vector>

#include "fulcrum/strategy/account_view.h"
#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/transport/codec.h"
#include "fulcrum/v1/orders.pb.h"
#include "fulcrum/v1/strategy.pb.h"

namespace fulcrum::transport {


void to_proto(const strategy::DecisionRecord& in, v1::Decision& out);
strategy::DecisionRecord from_proto(const v1::Decision& in);

// The gate's reasons on the wire, one to one.
v1::DenyReason to_proto(risk::GateReason reason);
// A denied order and why: what the gatekeeper adds to a batch for the router's books.
void to_proto(const risk::GateVerdict& verdict, const v1::OrderRequest& order, v1::RiskVerdict& out);

void to_proto(const std::string& symbol, size_t symbol_index, const features::FeatureSnapshot& f, v1::FeatureSnapshot& out);
features::FeatureSnapshot from_proto(const v1::FeatureSnapshot& in);

void to_proto(const std::string& symbol, const strategy::SymbolFlow& in, v1::BookFeatures& out);

void to_proto(const strategy::InstantSignals& in, const std::vector<std::string>& symbols, v1::InstantSignals& out);
// Throws WireError naming the field when a symbol index is outside `symbols`.
strategy::InstantSignals from_proto(const v1::InstantSignals& in, const std::vector<std::string>& symbols);

void to_proto(const model::OrderRequest& in, v1::OrderRequest& out);
model::OrderRequest from_proto(const v1::OrderRequest& in);

void to_proto(const strategy::AccountView& in, v1::AccountSnapshot& out);
strategy::AccountView from_proto(const v1::AccountSnapshot& in, size_t symbol_count);

void to_proto(const risk::GateContext& c, v1::RiskContext& out);
// The gate context an order travelled with; the gate itself refuses non-finite values.
risk::GateContext from_proto(const v1::RiskContext& in, const v1::OrderRequest& order);
void to_proto(const strategy::PlannedCommand& in, v1::OrderCommand& out);
// One account's plan for an instant as the batch the gatekeeper checks (header left to the caller).
void to_proto(const std::string& account, const std::string& policy_version, core::TimestampMs instant_ms, const strategy::PlannedInstant& in,
              v1::OrderBatch& out);

}  // namespace fulcrum::transport
