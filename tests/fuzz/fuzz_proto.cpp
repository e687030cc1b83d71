// Any bytes as every hot-path message: parse, then every decoder the services run. A
// decoder returns a value or throws WireError; nothing else escapes, nothing crashes. What
// the router journals of a message it parsed (the bytes without the hop trail) parses to it
// with its hops cleared.
#include <cstdint>
#include <string>
#include <vector>

#include "fulcrum/transport/codec.h"
#include "fulcrum/transport/hop_trail.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/v1/market.pb.h"
#include "fulcrum/v1/orders.pb.h"
#include "fulcrum/v1/strategy.pb.h"

using namespace fulcrum;

namespace {
const std::vector<std::string> kSymbols{"BTCUSDT", "ETHUSDT", "SOLUSDT"};

template <class Message>
void journal_form_parses_back(const uint8_t* data, size_t size, Message m) {
  std::string out;
  if (!transport::append_without_hop_trail(std::string_view(reinterpret_cast<const char*>(data), size), out)) __builtin_trap();
  if (m.has_header()) m.mutable_header()->clear_hops();
  Message back;
  if (!back.ParseFromString(out) || back.SerializeAsString() != m.SerializeAsString()) __builtin_trap();
}

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const transport::WireError&) {
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto ev = transport::parse<v1::MarketEvent>(data, size)) {
    journal_form_parses_back(data, size, *ev);
    const auto problem = transport::market_event_problem(*ev);
    // market_event_problem and the decoders agree: no problem means no throw.
    if (!problem) {
      if (ev->has_bar()) transport::from_proto(ev->bar());
      if (ev->has_mark_bar()) transport::from_proto(ev->mark_bar());
      if (ev->has_funding()) transport::from_proto(ev->funding());
      if (ev->has_book_top()) transport::from_proto(ev->book_top());
      if (ev->has_trade()) transport::from_proto(ev->trade());
    }
  }
  if (auto up = transport::parse<v1::FeatureUpdate>(data, size))
    for (const auto& s : up->snapshots()) guarded([&] { transport::from_proto(s); });
  if (auto sig = transport::parse<v1::InstantSignals>(data, size)) guarded([&] { transport::from_proto(*sig, kSymbols); });
  if (auto batch = transport::parse<v1::OrderBatch>(data, size)) {
    journal_form_parses_back(data, size, *batch);
    for (const auto& c : batch->commands())
      if (c.has_submit()) guarded([&] { transport::from_proto(c.submit()); });
  }
  if (auto snap = transport::parse<v1::AccountSnapshot>(data, size)) guarded([&] { transport::from_proto(*snap, kSymbols.size()); });
  transport::parse<v1::InstantAck>(data, size);
  return 0;
}
