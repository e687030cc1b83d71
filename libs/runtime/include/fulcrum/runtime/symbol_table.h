#pragma once
// The run's symbol table (proto v1.SymbolTable) in Redis, <namespace>:symbol_table. It is
// derived from the data once, by the launcher or market-data, and read by every other
// service, so a service in a cluster or on a live feed needs no data folder.
#include <string>
#include <vector>

#include "fulcrum/model/symbol_table.h"
#include "fulcrum/runtime/redis_client.h"
#include "fulcrum/runtime/service.h"

namespace fulcrum::runtime {

inline constexpr const char* kSymbolTableKey = "symbol_table";

// Writes the table unless one is there; an existing table that differs throws
// StartupError (two runs in one namespace, or two different data folders).
void publish_symbol_table(RedisClient& redis, const std::string& key, const std::vector<std::string>& symbols, const std::string& source);

// The run's table: from Redis when it is there. Otherwise, when this service has the
// config's data folder (started by hand beside the data), derived from it, logged and
// published; without it, waited for up to mesh.symbol_table_wait_ms. Throws StartupError
// naming the key when none comes.
model::SymbolTable await_symbol_table(Service& svc);

}  // namespace fulcrum::runtime
