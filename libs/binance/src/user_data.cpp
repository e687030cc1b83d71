#include "fulcrum/binance/user_data.h"

#include <simdjson.h>

#include "json_fields.h"

namespace fulcrum::binance {
namespace {
using Bad = detail::JsonFieldError;
using detail::decimal;
using detail::integer;
using detail::text;
using simdjson::ondemand::object;
}  // namespace

std::optional<UserEvent> parse_user_event(std::string_view json, std::string& error) {
  error.clear();
  static thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  try {
    simdjson::ondemand::document doc;
    object top;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(top)) throw Bad{"not a JSON object"};
    object ev;
    if (top["data"].get_object().get(ev))  // a bare payload (ws mode) or the stream envelope
      if (parser.iterate(padded).get(doc) || doc.get_object().get(ev)) throw Bad{"not a JSON object"};
    const auto type = std::string(text(ev, "e"));
    if (type == "ORDER_TRADE_UPDATE") {
      OrderUpdate u;
      u.event_time_ms = integer(ev, "E");
      u.transaction_time_ms = integer(ev, "T");
      object o;
      if (ev["o"].get_object().get(o)) throw Bad{"field 'o' missing or not an object"};
      u.symbol = std::string(text(o, "s"));
      u.client_id = std::string(text(o, "c"));
      u.side = std::string(text(o, "S"));
      u.order_type = std::string(text(o, "o"));
      u.exec_type = std::string(text(o, "x"));
      u.status = std::string(text(o, "X"));
      u.order_id = integer(o, "i");
      u.last_qty = decimal<core::Qty>(o, "l");
      u.cumulative_qty = decimal<core::Qty>(o, "z");
      u.last_price = decimal<core::Price>(o, "L");
      std::string_view asset;
      if (!o["N"].get_string().get(asset)) u.commission_asset = std::string(asset);
      u.commission = decimal<core::Money>(o, "n");
      u.trade_id = integer(o, "t");
      bool reduce = false;
      if (!o["R"].get_bool().get(reduce)) u.reduce_only = reduce;
      bool maker = false;
      if (!o["m"].get_bool().get(maker)) u.maker = maker;
      u.realized_pnl = decimal<core::Money>(o, "rp");
      u.origin = origin_of_client_id(u.client_id);
      return u;
    }
    if (type == "ACCOUNT_UPDATE") {
      AccountUpdate a;
      a.event_time_ms = integer(ev, "E");
      a.transaction_time_ms = integer(ev, "T");
      object body;
      if (ev["a"].get_object().get(body)) throw Bad{"field 'a' missing or not an object"};
      a.reason = std::string(text(body, "m"));
      simdjson::ondemand::array balances, positions;
      if (body["B"].get_array().get(balances)) throw Bad{"field 'B' missing or not an array"};
      for (auto b : balances) {
        object x;
        if (b.get_object().get(x)) throw Bad{"a balance is not an object"};
        const auto asset = std::string(text(x, "a"));
        a.wallet_balances[asset] = decimal<core::Money>(x, "wb");
        a.balance_changes[asset] = decimal<core::Money>(x, "bc");
      }
      if (body["P"].get_array().get(positions)) throw Bad{"field 'P' missing or not an array"};
      for (auto p : positions) {
        object x;
        if (p.get_object().get(x)) throw Bad{"a position is not an object"};
        const auto symbol = std::string(text(x, "s"));
        a.positions[symbol] = decimal<core::Qty>(x, "pa");
      }
      return a;
    }
    if (type == "ALGO_UPDATE") {
      AlgoUpdate a;
      a.event_time_ms = integer(ev, "E");
      object o;
      if (ev["o"].get_object().get(o)) throw Bad{"field 'o' missing or not an object"};
      a.symbol = std::string(text(o, "s"));
      a.client_algo_id = std::string(text(o, "caid"));
      a.status = std::string(text(o, "X"));
      return a;
    }
    if (type == "listenKeyExpired") return ListenKeyExpired{integer(ev, "E")};
    return std::nullopt;
  } catch (const Bad& b) {
    error = b.why;
  } catch (const simdjson::simdjson_error& e) {
    error = std::string("malformed JSON: ") + e.what();
  }
  return std::nullopt;
}

OrderUpdate::Origin origin_of_client_id(std::string_view client_id) {
  if (client_id.rfind("autoclose-", 0) == 0) return OrderUpdate::Origin::kLiquidation;
  if (client_id == "adl_autoclose") return OrderUpdate::Origin::kAdl;
  return OrderUpdate::Origin::kClient;
}

bool FillBook::take(const OrderUpdate& u) {
  if (!u.is_fill()) return false;
  if (!seen_.emplace(u.symbol, u.order_id, u.trade_id).second) {
    ++repeats_;
    return false;
  }
  ++fills_;
  positions_[u.symbol] += u.side == "BUY" ? u.last_qty : -u.last_qty;
  return true;
}

}  // namespace fulcrum::binance
