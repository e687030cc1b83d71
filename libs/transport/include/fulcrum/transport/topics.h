#pragma once
// Every topic on the hot path, in one place, so routing can be found with grep.
// A ZeroMQ message is two frames: [topic][protobuf payload].
namespace fulcrum::transport::topics {
inline constexpr const char* kMarket = "md";         // market-data → feature-engine, order-router
inline constexpr const char* kFeatures = "feat";     // feature-engine → signal-engine
inline constexpr const char* kSignals = "sig";       // signal-engine → leverage
inline constexpr const char* kDecisions = "lev";     // leverage → risk-gatekeeper
inline constexpr const char* kOrders = "ord";        // risk-gatekeeper → order-router
inline constexpr const char* kAccounts = "acct";     // order-router → leverage (account snapshots)
inline constexpr const char* kAcks = "ack";          // order-router → market-data (lockstep)
}  // namespace fulcrum::transport::topics

namespace fulcrum::transport::state_keys {
// The last instant the order router acknowledged, committed with its journal; a restarted
// market-data resumes after it. Relative to the run's Redis namespace.
inline constexpr const char* kAckedInstant = "router:acked";
}  // namespace fulcrum::transport::state_keys
