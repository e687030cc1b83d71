#include "fulcrum/runtime/telemetry.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace fulcrum::runtime {

// 10 µs … ~10 s, ×1.25 per bucket (62 buckets): fine enough that a quantile read off the
// buckets is within 12 % of the true one, from one loopback hop to a stalled pipeline.
const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = [] {
    prometheus::Histogram::BucketBoundaries b;
    for (double s = 10e-6; s < 12; s *= 1.25) b.push_back(s);
    return b;
  }();
  return buckets;
}

BatchedHistogram::BatchedHistogram(prometheus::Histogram& series) : series_(&series) {
  const auto buckets = series.Collect().histogram.bucket;  // the finite bounds, then +Inf
  for (size_t i = 0; i + 1 < buckets.size(); ++i) bounds_.push_back(buckets[i].upper_bound);
  counts_.assign(buckets.size(), 0.0);
}

void BatchedHistogram::observe(double value) {
  const size_t bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket] += 1;
  sum_ += value;
  pending_ = true;
}

void BatchedHistogram::publish() {
  if (!pending_) return;
  series_->ObserveMultiple(counts_, sum_);
  std::fill(counts_.begin(), counts_.end(), 0.0);
  sum_ = 0;
  pending_ = false;
}

Telemetry::Telemetry(const std::string& service, const std::string& bind_address)
    : service_(service), registry_(std::make_shared<prometheus::Registry>()) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(bind_address, 1);
  } catch (const std::exception& e) {
    throw std::runtime_error("metrics exposer cannot bind " + bind_address + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
  const std::map<std::string, std::string> labels{{"service", service}};
  auto counter = [&](const char* name, const char* help) {
    return &prometheus::BuildCounter().Name(name).Help(help).Labels(labels).Register(*registry_);
  };
  received_ = counter("fulcrum_messages_received_total", "Hot-path messages taken off a socket, by topic");
  published_ = counter("fulcrum_messages_published_total", "Hot-path messages published, by topic");
  malformed_ = counter("fulcrum_malformed_frames_total", "Frames dropped as malformed or foreign");
  gaps_ = counter("fulcrum_sequence_gaps_total", "Jumps in an input stream's sequence numbers");
  missing_ = counter("fulcrum_missing_messages_total", "Messages lost inside sequence gaps");
  dropped_ = counter("fulcrum_messages_dropped_total", "Messages this service could not publish");
  orders_ = counter("fulcrum_orders_total", "Orders accepted onto the venue, by account");
  rejections_ = counter("fulcrum_order_rejections_total", "Orders refused, by account and reason");
  redis_errors_ = counter("fulcrum_redis_errors_total", "Redis commands that failed or found Redis unreachable");
  redis_up_ = &prometheus::BuildGauge().Name("fulcrum_redis_up").Help("1 while the last Redis command succeeded").Labels(labels).Register(*registry_);
  hop_latency_ = &prometheus::BuildHistogram().Name("fulcrum_hop_latency_seconds").Help("Previous service's send to this service's receive").Labels(labels).Register(*registry_);
  order_path_ = &prometheus::BuildHistogram()
                     .Name("fulcrum_order_path_seconds")
                     .Help("Where tick-to-order time goes, per stage: transit (previous send to receive) and work (receive to send)")
                     .Labels(labels)
                     .Register(*registry_);
  tick_to_order_ = &prometheus::BuildHistogram().Name("fulcrum_tick_to_order_latency_seconds").Help("market-data publish to order-router receipt of the resulting orders").Labels(labels).Register(*registry_);
  // Every unlabelled series exists at 0 from the start, so rate() and alerts have a series
  // before the first event (a counter born at its first increment hides that increment).
  malformed_->Add({});
  gaps_->Add({});
  missing_->Add({});
  dropped_->Add({});
  redis_errors_->Add({});
  redis_up_->Add({});
  tick_to_order_latency();
  prometheus::BuildGauge()
      .Name("fulcrum_build_info")
      .Help("Always 1; the labels say which build is running")
      .Labels(labels)
      .Register(*registry_)
      .Add({{"version", FULCRUM_VERSION}})
      .Set(1);
}

int Telemetry::port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

prometheus::Counter& Telemetry::received(const std::string& topic) { return received_->Add({{"topic", topic}}); }
prometheus::Counter& Telemetry::published(const std::string& topic) {
  auto& c = published_by_topic_[topic];
  if (!c) c = &published_->Add({{"topic", topic}});
  return *c;
}
prometheus::Counter& Telemetry::malformed() { return malformed_->Add({}); }
prometheus::Counter& Telemetry::gaps() { return gaps_->Add({}); }
prometheus::Counter& Telemetry::missing_messages() { return missing_->Add({}); }
prometheus::Counter& Telemetry::dropped() { return dropped_->Add({}); }
prometheus::Counter& Telemetry::orders(const std::string& account) {
  auto& c = orders_by_account_[account];
  if (!c) c = &orders_->Add({{"account", account}});
  return *c;
}
prometheus::Counter& Telemetry::rejections(const std::string& account, const std::string& reason) {
  auto& c = rejections_by_reason_[{account, reason}];
  if (!c) c = &rejections_->Add({{"account", account}, {"reason", reason}});
  return *c;
}
prometheus::Counter& Telemetry::redis_errors() { return redis_errors_->Add({}); }
prometheus::Gauge& Telemetry::redis_up() { return redis_up_->Add({}); }
prometheus::Histogram& Telemetry::hop_latency(const std::string& from_service) {
  return hop_latency_->Add({{"from", from_service}}, latency_buckets());
}
prometheus::Histogram& Telemetry::tick_to_order_latency() {
  if (!tick_to_order_all_) tick_to_order_all_ = &tick_to_order_->Add({}, latency_buckets());
  return *tick_to_order_all_;
}

prometheus::Histogram& Telemetry::order_path(const std::string& stage, const std::string& part) {
  return order_path_->Add({{"stage", stage}, {"part", part}}, latency_buckets());
}

prometheus::Gauge& Telemetry::account_gauge(const std::string& name, const std::string& help, const std::string& account) {
  return gauge(name, help, {{"account", account}});
}

prometheus::Gauge& Telemetry::gauge(const std::string& name, const std::string& help, const std::map<std::string, std::string>& labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Labels({{"service", service_}}).Register(*registry_).Add(labels);
}

prometheus::Counter& Telemetry::counter(const std::string& name, const std::string& help, const std::map<std::string, std::string>& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Labels({{"service", service_}}).Register(*registry_).Add(labels);
}

prometheus::Histogram& Telemetry::histogram(const std::string& name, const std::string& help, const std::map<std::string, std::string>& labels,
                                            const prometheus::Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Labels({{"service", service_}}).Register(*registry_).Add(labels, buckets);
}

BookGauges::BookGauges(Telemetry& metrics, std::vector<std::string> symbols)
    : metrics_(metrics), symbols_(std::move(symbols)), series_(symbols_.size()) {
  for (size_t s = 0; s < symbols_.size(); ++s) {
    series_[s].buys = &metrics_.counter("fulcrum_trade_volume_total", "Traded base volume by aggressor side", {{"symbol", symbols_[s]}, {"aggressor", "buy"}});
    series_[s].sells = &metrics_.counter("fulcrum_trade_volume_total", "Traded base volume by aggressor side", {{"symbol", symbols_[s]}, {"aggressor", "sell"}});
  }
}

void BookGauges::set(size_t symbol, const features::BookMeasures& m) {
  auto& s = series_.at(symbol);
  if (!s.spread_bps) {
    const std::map<std::string, std::string> l{{"symbol", symbols_[symbol]}};
    s.spread_bps = &metrics_.gauge("fulcrum_book_spread_bps", "Top-of-book spread in basis points of the mid", l);
    s.imbalance = &metrics_.gauge("fulcrum_book_imbalance_ratio", "Order-book imbalance at the top, (bid qty − ask qty) / (bid qty + ask qty)", l);
    s.depth = &metrics_.gauge("fulcrum_book_depth_notional_usd", "Bid plus ask size at the top, in quote currency", l);
  }
  s.spread_bps->Set(m.spread_bps);
  s.imbalance->Set(m.imbalance);
  s.depth->Set(m.depth_notional);
}

void BookGauges::add_trade(size_t symbol, const model::Trade& trade) {
  auto& s = series_.at(symbol);
  (trade.buyer_is_maker ? s.sells : s.buys)->Increment(trade.quantity.to_double());
}

}  // namespace fulcrum::runtime
