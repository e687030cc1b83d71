#include "fulcrum/model/order.h"

namespace fulcrum::model {
const char* to_string(OrderType t) {
  switch (t) {
    case OrderType::kMarket: return "MARKET";
    case OrderType::kLimit: return "LIMIT";
    case OrderType::kStopMarket: return "STOP_MARKET";
    case OrderType::kTrailingStop: return "TRAILING_STOP_MARKET";
  }
  return "UNKNOWN";
}
}  // namespace fulcrum::model
