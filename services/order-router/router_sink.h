#pragma once
// Where the order router's core meets the world: account views go out as snapshots (and
// gauges), acks go to market-data, order outcomes become metrics and log lines, the
// replay's end writes the run's report, and the accounts' state goes to Redis.
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "fulcrum/router/router_core.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/transport/scratch_message.h"

namespace fulcrum::order_router {

class ServiceSink final : public router::RouterSink {
 public:
  ServiceSink(runtime::Service& svc, transport::Publisher& snapshots, transport::Publisher& acks, std::string out_dir, std::vector<std::string> symbols);
  // The core reports through this sink and is read back for acks and the report.
  void attach(router::RouterCore& core);
  // Writes the report as the accounts stand at `through_ms` (complete: the whole replay).
  void write_report(core::TimestampMs through_ms, bool complete);

  void malformed(const std::string& why) override { svc_.count_malformed(why); }
  void account_views(core::TimestampMs instant_ms, const std::vector<strategy::AccountView>& views, const v1::Header& cause) override;
  void ack(core::TimestampMs instant_ms, bool replay_end) override;
  void order_outcome(const router::OrderOrigin& origin, const model::OrderRequest& order, const venue::SubmitResult& result) override;
  void journal_failed(core::TimestampMs instant_ms, const std::string& error) override;
  void replay_ended(core::TimestampMs through_ms, bool complete) override { write_report(through_ms, complete); }

 private:
  // Per (account, symbol), for the risk dashboard: what the position is worth, how far
  // mark is from liquidation, and the funding it has paid.
  struct SymbolGauges {
    prometheus::Gauge *notional, *unrealized, *liquidation_distance, *funding_paid;
  };
  struct AccountGauges {
    prometheus::Gauge *equity = nullptr, *exposure = nullptr, *leverage = nullptr, *margin_ratio = nullptr, *margin_alert = nullptr;
    prometheus::Counter* margin_alerts = nullptr;
    bool alerting = false;
    std::vector<SymbolGauges> symbols;
    std::vector<double> funding_paid;  // per symbol, summed from the ledger …
    size_t ledger_seen = 0;            // … one new entry at a time
  };
  void set_symbol_gauges(size_t account);
  // The leverage of each entry the venue took, per variant and version: the A/B
  // dashboard's leverage distribution.
  prometheus::Histogram& entry_leverage(const std::string& account, const std::string& variant, const std::string& version);
  std::map<std::tuple<std::string, std::string, std::string>, prometheus::Histogram*> entry_leverage_;  // registered once a series
  runtime::Service& svc_;
  transport::Publisher& snapshots_;
  transport::Publisher& acks_;
  transport::ScratchMessage<v1::AccountSnapshot> snapshot_;
  transport::ScratchMessage<v1::InstantAck> ack_;
  std::string snapshot_wire_;
  std::string out_dir_;
  std::vector<std::string> symbols_;
  router::RouterCore* core_ = nullptr;
  std::vector<AccountGauges> gauges_;
};

// Each account's state (balances, positions, open orders) and its new fills, written to
// Redis at every flush in one round trip. Declare it after everything it reads: its last
// flush runs when it dies.
class AccountStateWriter {
 public:
  AccountStateWriter(runtime::Service& svc, const report::RunResult& accounts, std::vector<std::string> symbols);
  // After a recovery: the fills already in Redis are not written again.
  void resume();

 private:
  runtime::Service& svc_;
  const report::RunResult& accounts_;
  std::vector<std::string> symbols_;
  std::vector<size_t> fills_written_;
  runtime::Service::FlushRegistration registration_;
};

}  // namespace fulcrum::order_router
