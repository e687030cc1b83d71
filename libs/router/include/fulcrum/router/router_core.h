#pragma once
// The order router's core. It owns one venue account per policy (venue::Venue), applies the
// replay's market events and the gatekeeper's checked order batches to them, and decides
// when an instant is complete (every account's batch is in) and may be acknowledged.
//
// It does no I/O. Inputs are the wire messages; what it produces (account views to
// publish, acks, order outcomes, the end of the run) goes to a RouterSink; every input that
// changed state goes to a core::IJournal first. In lockstep the journal through instant T
// is committed, with T as the acknowledged mark, before T is acknowledged: the ack is the
// commit point. A core built on the same journal replays it into fresh venues (the paper
// venue is deterministic) and stands exactly where the last one stood. Nothing here knows
// which venue (venue::Venue) or which store it talks to; the service wires sockets, Redis,
// metrics and the venue factory to it.
#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fulcrum/core/journal.h"
#include "fulcrum/model/symbol_table.h"
#include "fulcrum/report/run_result.h"
#include "fulcrum/risk/trading_state.h"
#include "fulcrum/strategy/account_view.h"
#include "fulcrum/strategy/run_config.h"
#include "fulcrum/transport/scratch_message.h"
#include "fulcrum/v1/market.pb.h"
#include "fulcrum/v1/orders.pb.h"

namespace fulcrum::router {

using core::TimestampMs;

// Who sent an order: its account, and the variant (and the variant's version) whose batch
// carried it. The kill switch's flatten closes have no variant.
struct OrderOrigin {
  const std::string& account;
  const std::string& variant;
  const std::string& version;
};

class RouterSink {
 public:
  virtual ~RouterSink() = default;
  virtual void malformed(const std::string& why) = 0;
  // The accounts as they stand after instant `instant_ms`, in account order; `cause` is the
  // instant end that closed it (or its re-send).
  virtual void account_views(TimestampMs instant_ms, const std::vector<strategy::AccountView>& views, const v1::Header& cause) = 0;
  virtual void ack(TimestampMs instant_ms, bool replay_end) = 0;
  virtual void order_outcome(const OrderOrigin& origin, const model::OrderRequest& order, const venue::SubmitResult& result) = 0;
  // The journal could not be committed: the ack waits, and the commit is retried.
  virtual void journal_failed(TimestampMs instant_ms, const std::string& error) = 0;
  // The replay ended (complete: every instant applied); the report is due.
  virtual void replay_ended(TimestampMs through_ms, bool complete) = 0;
};

// Makes the venue account `account` trades on. The paper venue unless told otherwise; the
// core never learns which it got.
using VenueFactory = std::function<std::unique_ptr<venue::Venue>(const std::string& account, const std::vector<model::InstrumentSpec>& specs,
                                                                 core::Money deposit, TimestampMs start_ms)>;

struct RouterSettings {
  strategy::RunConfig run;
  bool lockstep = true;
  VenueFactory make_venue;  // empty: a PaperVenue with run.venue's rules
};

class RouterCore {
 public:
  static constexpr TimestampMs kNone = std::numeric_limits<TimestampMs>::min();
  RouterCore(RouterSettings settings, model::SymbolTable symbols, std::vector<model::InstrumentSpec> specs, std::vector<std::string> accounts,
             core::IJournal& journal, RouterSink& sink);

  // Applies what a previous life journaled, with the sink silent. Returns the entries
  // replayed. Throws core::JournalError on a corrupt entry.
  size_t recover();
  // `wire`, when given, is the bytes the input was parsed from: journaled as they are, less
  // the header's hop trail, instead of serialized again.
  void on_market(const v1::MarketEvent& ev, std::string_view wire = {});
  // kEarly: held until its instant's market events are all in. kHeld (lockstep): held until
  // every member's batch of the instant is in, then all apply in member order, so variants
  // sharing one account (split mode) meet it in the same order on every run. kRepeat: a
  // re-send of a batch already applied or held, never applied twice.
  enum class BatchOutcome { kApplied, kEarly, kHeld, kRepeat, kRefused };
  BatchOutcome on_batch(const v1::OrderBatch& batch, std::string_view wire = {});
  // The trading state the router enforces from now on, just before the venue: a submit it
  // forbids is rejected (TRADING_STATE). A new engagement acts at once on its scope:
  // REDUCING and HALTED cancel the working entry orders (HALTED the protective stops too
  // when told), and a flatten closes every position with a reduce-only market order, which
  // the venue fills at the symbol's next price event (the next bar's open in a replay).
  // Journaled where it changed, so a restart applies every batch under the book it met.
  void on_trading_state(const risk::TradingStateBook& book);
  uint64_t state_epoch() const { return book_.epoch(); }
  uint64_t kill_switch_actions() const { return kill_switch_actions_; }
  // Market closes sent by flatten engagements, since start.
  uint64_t flatten_orders() const { return flatten_orders_; }
  // Retries a journal commit that failed, and the ack that waits on it.
  void retry_ack() { maybe_ack(); }

  // The accounts as they stand, with every equity curve sampled at `through_ms`: the final
  // or partial report's content.
  const report::RunResult& close_books(TimestampMs through_ms);
  const report::RunResult& result() const { return result_; }
  const std::vector<std::string>& accounts() const { return accounts_; }
  // The leverage variants whose batches an instant waits for, each with the account it
  // trades: one per account in shadow mode, every variant on the one account in split.
  struct Member {
    std::string variant;
    size_t account = 0;
    bool active = true;
    bool tainted = false;                 // it left by missing its deadline
    std::string why;                      // the last change's reason
    TimestampMs changed_ms = 0;           // the instant of the last change
    TimestampMs awaited_after_ms = kNone; // joined at this instant: awaited from the next
  };
  const std::vector<Member>& members() const { return members_; }
  // A/B membership, one epoch per change. Leave: `variant` is no longer awaited, from the
  // instant in progress on (a batch it already sent for it still applies). Join: awaited
  // from the next instant. Returns "" or why the change is refused. Journaled in its place
  // among the batches, so a restart meets the same members at the same instants.
  std::string set_membership(const std::string& variant, bool active, bool tainted, const std::string& why);
  uint64_t membership_epoch() const { return membership_epoch_; }
  // Awaited members whose batch for the instant in progress is not in yet.
  std::vector<std::string> missing_members() const;
  // The last instant whose market events are all applied (min() before the first).
  TimestampMs instant_done() const { return md_done_; }
  bool started() const { return md_done_ != kNone; }
  bool finished() const { return finished_; }
  uint64_t instants() const { return instants_; }
  uint64_t orders_applied() const { return orders_applied_; }
  uint64_t orders_rejected() const { return orders_rejected_; }
  // An invariant that must stay 0: new-exposure orders the venue accepted while the state
  // in force for their account and symbol was HALTED (the check before the venue failed).
  uint64_t orders_while_halted() const { return orders_while_halted_; }

 private:
  bool apply_market(const v1::MarketEvent& ev);
  BatchOutcome apply_batch(const v1::OrderBatch& batch, std::string_view wire);
  void apply_member_batch(size_t member, const v1::OrderBatch& batch, std::string_view wire = {});
  bool awaited(size_t member, TimestampMs instant_ms) const;
  bool missing(size_t member) const;  // awaited for md_done_, and its batch neither applied nor held
  bool every_member_in() const;
  void apply_held_when_complete();
  void publish_views(const v1::Header& cause);
  void maybe_ack();
  bool admit(TimestampMs t, const char* what);
  bool malformed(const std::string& why);
  void act_on(const risk::Engagement& e);

  RouterSettings settings_;
  model::SymbolTable symbols_;
  std::vector<std::string> accounts_;
  std::vector<Member> members_;
  core::IJournal& journal_;
  RouterSink& sink_;
  report::RunResult result_;
  std::vector<TimestampMs> applied_;        // per member: the last instant whose batch is applied
  std::vector<std::optional<v1::OrderBatch>> held_;  // per member: its batch of md_done_, waiting for the others
  // Batches for an instant whose market events are not all in: instant and bytes (parsing
  // them again into the scratch arena costs less than a heap copy of the message).
  std::deque<std::pair<TimestampMs, std::string>> early_;
  transport::ScratchMessage<v1::OrderBatch> early_scratch_;
  std::vector<strategy::AccountView> views_;  // the last instant's, for a re-send
  TimestampMs md_done_ = kNone, last_acked_ = kNone;
  bool replaying_ = false, ack_pending_ = false, finished_ = false;
  uint64_t instants_ = 0, orders_applied_ = 0, orders_rejected_ = 0, kill_switch_actions_ = 0, flatten_orders_ = 0;
  uint64_t membership_epoch_ = 1;
  uint64_t orders_while_halted_ = 0;
  risk::TradingStateBook book_;
};

}  // namespace fulcrum::router
