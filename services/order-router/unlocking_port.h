#pragma once
// The router applies every input under the trading-state lock, so an acknowledged kill
// switch governs every order that follows it (runtime::TradingStateEnforcer). A request to a
// live exchange can take seconds: a lost answer is waited out, then looked up by client id.
// Holding the lock through it would hold an operator's Engage back for as long, on exactly
// the day the exchange is slow. So while a request is on the wire the loop lets the lock go,
// and the venue asks the trading state in force right before each new order it sends
// (binance::ExchangeVenue::set_order_gate). An order already on the wire when the state
// changes was sent before the change, as on any exchange.
//
// Only the loop thread touches the venue; an Apply in the meantime swaps the enforcer's book
// and nothing else, and the core takes the new book at its next input.
#include <mutex>
#include <utility>

#include "fulcrum/binance/exchange_port.h"

namespace fulcrum::order_router {

class LoopLock {
 public:
  // The loop's lock for the input under way (nullptr: none, e.g. at start-up).
  void hold(std::unique_lock<std::mutex>* lock) { held_ = lock; }
  // Runs `request` with the lock let go, and takes it back before returning or throwing.
  template <class F>
  auto released(F&& request) {
    if (!held_ || !held_->owns_lock()) return request();
    auto* lock = held_;
    lock->unlock();
    try {
      auto answer = request();
      lock->lock();
      return answer;
    } catch (...) {
      lock->lock();
      throw;
    }
  }

 private:
  std::unique_lock<std::mutex>* held_ = nullptr;
};

// Every request to the exchange through `inner`, with the loop's lock let go meanwhile.
class UnlockingPort final : public binance::ExchangePort {
 public:
  UnlockingPort(binance::ExchangePort& inner, LoopLock& lock) : inner_(inner), lock_(lock) {}
  binance::RequestClock clock() const override { return inner_.clock(); }
  binance::RestAnswer send(const binance::RestRequest& request) override {
    return lock_.released([&] { return inner_.send(request); });
  }
  binance::PlaceResult place(const binance::RestRequest& order, const std::string& symbol, const std::string& mesh_client_order_id) override {
    return lock_.released([&] { return inner_.place(order, symbol, mesh_client_order_id); });
  }

 private:
  binance::ExchangePort& inner_;
  LoopLock& lock_;
};

}  // namespace fulcrum::order_router
