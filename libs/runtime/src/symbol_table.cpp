#include "fulcrum/runtime/symbol_table.h"

#include <filesystem>
#include <thread>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/v1/market.pb.h"

namespace fulcrum::runtime {

namespace {

std::optional<std::vector<std::string>> read_table(RedisClient& redis, const std::string& key) {
  const auto reply = redis.command({"GET", key});
  if (!reply) throw StartupError(kExitRedisUnreachable, "cannot read " + key + ": " + redis.last_error());
  if (reply->kind != RedisReply::Kind::kString) return std::nullopt;
  v1::SymbolTable table;
  if (!table.ParseFromString(reply->str) || table.symbols_size() == 0) throw StartupError(kExitRuntime, key + " does not hold a symbol table");
  return std::vector<std::string>(table.symbols().begin(), table.symbols().end());
}

}  // namespace

void publish_symbol_table(RedisClient& redis, const std::string& key, const std::vector<std::string>& symbols, const std::string& source) {
  v1::SymbolTable table;
  for (const auto& s : symbols) table.add_symbols(s);
  table.set_source(source);
  const auto reply = redis.command({"SET", key, table.SerializeAsString(), "NX"});
  if (!reply) throw StartupError(kExitRedisUnreachable, "cannot write " + key + ": " + redis.last_error());
  if (reply->kind == RedisReply::Kind::kStatus || reply->kind == RedisReply::Kind::kString) return;  // written
  const auto existing = read_table(redis, key);
  if (existing && *existing != symbols)
    throw StartupError(kExitConfig, key + " already holds another run's " + std::to_string(existing->size()) + " symbols (this data has " +
                                        std::to_string(symbols.size()) + "): use a fresh --namespace");
}

model::SymbolTable await_symbol_table(Service& svc) {
  const auto key = svc.key(kSymbolTableKey);
  if (auto table = read_table(svc.redis(), key)) return model::SymbolTable(std::move(*table));
  const auto& data = svc.config().data;
  std::error_code ec;
  if (!data.klines.empty() && std::filesystem::exists(data.klines, ec)) {
    auto symbols = marketdata::symbol_list(data);
    svc.log().info("event=symbol_table_derived source={} symbols={}", data.klines, symbols.size());
    publish_symbol_table(svc.redis(), key, symbols, data.klines);  // throws unless Redis now holds exactly these
    return model::SymbolTable(std::move(symbols));
  }
  svc.log().info("event=waiting_for_symbol_table key={} wait_ms={}", key, svc.config().mesh.symbol_table_wait_ms);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(svc.config().mesh.symbol_table_wait_ms);
  while (svc.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (auto table = read_table(svc.redis(), key)) return model::SymbolTable(std::move(*table));
  }
  throw StartupError(kExitStartup, "no symbol table at " + key + " within " + std::to_string(svc.config().mesh.symbol_table_wait_ms) +
                                       " ms, and no data folder here to derive it from (" + data.klines + "): is market-data running in this namespace?");
}

}  // namespace fulcrum::runtime
