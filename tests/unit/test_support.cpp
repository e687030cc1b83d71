#include "test_support.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>
#include <unistd.h>

namespace fulcrum::test {
namespace fs = std::filesystem;

std::string sample_dir() { return std::string(FULCRUM_SOURCE_DIR) + "/deploy/sample"; }

std::string shared_data_dir() {
  const fs::path p = FULCRUM_SHARED_DATA_DIR;
  return fs::is_directory(p / "binance-um") ? p.lexically_normal().string() : "";
}

namespace {
// Every folder temp_dir() made, removed when the test binary exits: a test run leaves
// nothing in /tmp.
struct TempDirs {
  std::vector<fs::path> made;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& p : made) fs::remove_all(p, ec);
  }
};
TempDirs& temp_dirs() {
  static TempDirs dirs;
  return dirs;
}
}  // namespace

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("fulcrum-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  temp_dirs().made.push_back(p);
  return p.string();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

model::Bar bar(core::TimestampMs open_ms, double o, double h, double l, double c, double v, core::TimestampMs interval_ms) {
  model::Bar b;
  b.open_time_ms = open_ms;
  b.interval_ms = interval_ms;
  b.open = core::Price::from_double(o);
  b.high = core::Price::from_double(h);
  b.low = core::Price::from_double(l);
  b.close = core::Price::from_double(c);
  b.volume = core::Qty::from_double(v);
  return b;
}

model::InstrumentSpec spec(const std::string& symbol, const char* tick, const char* step, double min_notional) {
  model::InstrumentSpec s;
  s.symbol = symbol;
  s.tick_size = *core::Price::parse(tick);
  s.step_size = *core::Qty::parse(step);
  s.min_notional = core::Money::from_double(min_notional);
  s.brackets = model::default_binance_brackets();
  return s;
}

model::OrderRequest market_order(const std::string& id, model::Side side, const char* qty, int leverage_x, bool reduce_only) {
  model::OrderRequest r;
  r.client_order_id = id;
  r.symbol = "BTCUSDT";
  r.side = side;
  r.quantity = *core::Qty::parse(qty);
  r.leverage_x = leverage_x;
  r.reduce_only = reduce_only;
  return r;
}

}  // namespace fulcrum::test
