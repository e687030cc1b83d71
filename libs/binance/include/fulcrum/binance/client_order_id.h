#pragma once
// newClientOrderId must match ^[.A-Z:/a-z0-9_-]{1,36}$. The mesh's ids are usually valid as
// they are and then go unchanged, so an operator finds the same id on both sides. A longer
// or otherwise invalid id becomes its valid characters cut short plus 12 hex digits of its
// SHA-256: the same mesh id always gives the same exchange id (a re-send after a timeout
// asks the exchange about the right order), and two different ids stay different.
#include <string>
#include <string_view>

namespace fulcrum::binance {

bool valid_client_order_id(std::string_view id);
// Throws std::invalid_argument on an empty id.
std::string exchange_client_order_id(std::string_view mesh_id);

}  // namespace fulcrum::binance
