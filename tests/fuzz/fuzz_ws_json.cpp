// Any bytes as one line of a Binance combined-stream capture: an event or an error text.
#include <cstdint>
#include <string>
#include <string_view>

#include "fulcrum/marketdata/ws_capture.h"

using namespace fulcrum;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error, kind;
  const auto ev = marketdata::parse_ws_line(std::string_view(reinterpret_cast<const char*>(data), size), error, kind);
  if (!ev && error.empty() && kind.empty()) __builtin_trap();  // a refusal always says why
  return 0;
}
