#pragma once
// Prometheus metrics for one service, served by its own exposer. Names follow Prometheus
// conventions: base units in the name (_seconds, _usd), _total on counters, and every
// series labelled with the service.
#include <map>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include "fulcrum/features/indicators.h"
#include "fulcrum/model/market.h"
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace fulcrum::runtime {

// The latency histograms' buckets: 10 µs to about 10 s, ×1.25 each.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

// A histogram one thread observes into without a lock. prometheus-cpp's Observe takes the
// series' mutex and runs two compare-and-swap loops per value; the order router makes a
// dozen observations per order (tick-to-order and each hop of the order path), so this
// counts them here and hands them to the series at publish(), one ObserveMultiple. Nothing
// observed is visible before that publish (Service::tick does it every few milliseconds).
class BatchedHistogram {
 public:
  // Its buckets are the series' own, read from it once here.
  explicit BatchedHistogram(prometheus::Histogram& series);
  // Into the bucket prometheus-cpp's Observe chooses: the first bound ≥ value (its
  // lower_bound), else +Inf. A NaN compares with nothing, so it lands in the first bucket.
  void observe(double value);
  void publish();
  bool pending() const { return pending_; }

 private:
  prometheus::Histogram* series_;
  prometheus::Histogram::BucketBoundaries bounds_;  // the finite upper bounds, ascending
  std::vector<double> counts_;  // one per bound, then +Inf
  double sum_ = 0;
  bool pending_ = false;
};

class Telemetry {
 public:
  // Binds 127.0.0.1:`port` (a bind address "host:port" is also accepted); throws
  // std::runtime_error naming the address when it cannot.
  Telemetry(const std::string& service, const std::string& bind_address);

  prometheus::Counter& received(const std::string& topic);
  prometheus::Counter& published(const std::string& topic);
  prometheus::Counter& malformed();
  prometheus::Counter& gaps();
  prometheus::Counter& missing_messages();
  prometheus::Counter& dropped();
  prometheus::Counter& orders(const std::string& account);
  prometheus::Counter& rejections(const std::string& account, const std::string& reason);
  prometheus::Counter& redis_errors();
  prometheus::Gauge& redis_up();
  // Latency of the hop into this service: its receive time − the previous service's send.
  prometheus::Histogram& hop_latency(const std::string& from_service);
  // From market-data publishing an instant to the order router taking its orders.
  prometheus::Histogram& tick_to_order_latency();
  // One segment of the order path: `part` is "transit" (the previous service's send to
  // `stage`'s receive: encode, ZeroMQ, queueing) or "work" (`stage`'s receive to its send:
  // decode and the stage's own work).
  prometheus::Histogram& order_path(const std::string& stage, const std::string& part);
  prometheus::Gauge& account_gauge(const std::string& name, const std::string& help, const std::string& account);
  prometheus::Gauge& gauge(const std::string& name, const std::string& help, const std::map<std::string, std::string>& labels);
  prometheus::Counter& counter(const std::string& name, const std::string& help, const std::map<std::string, std::string>& labels);
  prometheus::Histogram& histogram(const std::string& name, const std::string& help, const std::map<std::string, std::string>& labels,
                                   const prometheus::Histogram::BucketBoundaries& buckets);
  prometheus::Registry& registry() { return *registry_; }
  int port() const;

 private:
  std::string service_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>* received_;
  prometheus::Family<prometheus::Counter>* published_;
  prometheus::Family<prometheus::Counter>* malformed_;
  prometheus::Family<prometheus::Counter>* gaps_;
  prometheus::Family<prometheus::Counter>* missing_;
  prometheus::Family<prometheus::Counter>* dropped_;
  prometheus::Family<prometheus::Counter>* orders_;
  prometheus::Family<prometheus::Counter>* rejections_;
  prometheus::Family<prometheus::Counter>* redis_errors_;
  prometheus::Family<prometheus::Gauge>* redis_up_;
  prometheus::Family<prometheus::Histogram>* hop_latency_;
  prometheus::Family<prometheus::Histogram>* tick_to_order_;
  prometheus::Family<prometheus::Histogram>* order_path_;
  prometheus::Histogram* tick_to_order_all_ = nullptr;
  // Series handles by label, looked up once: a Family::Add per order or frame hashes its
  // labels under the family's lock (the hot path, one thread, calls these).
  std::map<std::string, prometheus::Counter*> published_by_topic_, orders_by_account_;
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> rejections_by_reason_;
};

// Per-symbol book and trade-flow series of feature-engine. The trade-volume counters exist
// at 0 from the start; a book gauge appears with the symbol's first book top, because a
// spread of 0 for a symbol that has no book data would be a lie, not a default.
class BookGauges {
 public:
  BookGauges(Telemetry& metrics, std::vector<std::string> symbols);
  void set(size_t symbol, const features::BookMeasures& m);
  void add_trade(size_t symbol, const model::Trade& trade);

 private:
  struct Series {
    prometheus::Gauge *spread_bps = nullptr, *imbalance = nullptr, *depth = nullptr;
    prometheus::Counter *buys = nullptr, *sells = nullptr;
  };
  Telemetry& metrics_;
  std::vector<std::string> symbols_;
  std::vector<Series> series_;
};

}  // namespace fulcrum::runtime
