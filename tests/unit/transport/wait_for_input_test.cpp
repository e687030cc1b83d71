// wait_for_input: one poll(2) over the subscribers' wake descriptors, trusted only for a
// subscriber read to empty. A wrong answer either way is a stalled stage (a frame that
// waits for the next timeout) or a busy loop, so each case checks both what comes back and
// that it came back without sleeping through the timeout.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "fulcrum/transport/endpoint.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
using namespace std::chrono_literals;

namespace {
using Clock = std::chrono::steady_clock;

// PUB/SUB joins asynchronously: probe until the subscriber sees one, then read it to empty.
void connect_and_drain(transport::Publisher& pub, transport::Subscriber& sub) {
  for (int i = 0; i < 200; ++i) {
    pub.publish(transport::topics::kMarket, "");
    if (sub.receive(10ms)) {
      while (sub.take()) {
      }
      return;
    }
  }
  FAIL() << "subscriber never connected";
}

// Waits (in steps, as a stage's loop does) until `sub` yields a frame; its payload, or
// nothing after `limit`.
std::optional<std::string> next_payload(transport::Subscriber& sub, std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (!transport::wait_for_input({&sub}, 100ms).empty())
      if (const auto* f = sub.take()) return f->payload;
  }
  return std::nullopt;
}

// A publisher and its subscriber, joined and read to empty.
struct Link {
  Link(zmq::context_t& ctx, const std::string& name) : pub(ctx, "inproc://" + name), sub(ctx, "inproc://" + name, {transport::topics::kMarket}) {
    connect_and_drain(pub, sub);
  }
  transport::Publisher pub;
  transport::Subscriber sub;
};

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}
}  // namespace

TEST(WaitForInput, ASubscriberNotYetReadIsReturnedWithoutWaiting) {
  zmq::context_t ctx;
  transport::Subscriber sub(ctx, "inproc://fresh", {transport::topics::kMarket});
  EXPECT_FALSE(sub.drained()) << "nothing is known about a new socket's mailbox";
  const auto start = Clock::now();
  EXPECT_EQ(transport::wait_for_input({&sub}, 10s), std::vector<size_t>{0});
  EXPECT_LT(since(start), 1s);
}

TEST(WaitForInput, AReadThatFindsNothingMarksTheSubscriberDrainedAndAFrameUnmarksIt) {
  zmq::context_t ctx;
  Link link(ctx, "marks");
  auto& [pub, sub] = link;
  EXPECT_TRUE(sub.drained());
  pub.publish(transport::topics::kMarket, "x");
  ASSERT_NE(sub.take(), nullptr);
  EXPECT_FALSE(sub.drained()) << "a frame was read: more may wait behind it";
  EXPECT_EQ(sub.take(), nullptr);
  EXPECT_TRUE(sub.drained());
}

TEST(WaitForInput, ADrainedQuietSubscriberSleepsForTheTimeout) {
  zmq::context_t ctx;
  Link link(ctx, "quiet");
  auto& [pub, sub] = link;
  const auto start = Clock::now();
  EXPECT_EQ(transport::wait_for_input({&sub}, 150ms), std::vector<size_t>{0}) << "after a quiet timeout every input is read once";
  EXPECT_GE(since(start), 140ms) << "returned early: a drained socket would be read in a busy loop";
  EXPECT_EQ(sub.take(), nullptr);
  EXPECT_TRUE(transport::wait_for_input({&sub}, 0ms).empty()) << "a zero timeout only looks";
}

TEST(WaitForInput, AFramePublishedDuringTheWaitWakesIt) {
  zmq::context_t ctx;
  Link link(ctx, "wake");
  auto& [pub, sub] = link;
  std::thread sender([&] {
    std::this_thread::sleep_for(50ms);
    pub.publish(transport::topics::kMarket, "late");
  });
  const auto start = Clock::now();
  const auto ready = transport::wait_for_input({&sub}, 10s);
  const auto waited = since(start);
  sender.join();
  EXPECT_EQ(ready, std::vector<size_t>{0});
  EXPECT_LT(waited, 5s) << "the frame's wake-up was missed";
  EXPECT_EQ(next_payload(sub, 2s), "late");
}

TEST(WaitForInput, AFrameThatCameBeforeTheWaitReturnsAtOnce) {
  zmq::context_t ctx;
  Link link(ctx, "early");
  auto& [pub, sub] = link;
  pub.publish(transport::topics::kMarket, "early");
  const auto start = Clock::now();
  EXPECT_EQ(transport::wait_for_input({&sub}, 10s), std::vector<size_t>{0});
  EXPECT_LT(since(start), 1s);
  EXPECT_EQ(next_payload(sub, 2s), "early");
}

TEST(WaitForInput, OnlyTheInputThatGotAFrameIsReturned) {
  zmq::context_t ctx;
  Link a(ctx, "a"), b(ctx, "b");
  b.pub.publish(transport::topics::kMarket, "to b");
  EXPECT_EQ(transport::wait_for_input({&a.sub, &b.sub}, 10s), std::vector<size_t>{1});
  ASSERT_NE(b.sub.take(), nullptr);
  EXPECT_EQ(a.sub.take(), nullptr) << "the input left out had nothing";
}

TEST(WaitForInput, AnInputLeftWithFramesDoesNotHideAnotherThatGotOne) {
  zmq::context_t ctx;
  Link a(ctx, "busy"), b(ctx, "other");
  auto& [pub_a, busy] = a;
  auto& [pub_b, other] = b;
  // A bundle of three frames, of which the reader takes one: two wait inside the subscriber,
  // where no descriptor can show them.
  pub_a.begin_batch();
  for (const char* p : {"1", "2", "3"}) pub_a.publish(transport::topics::kMarket, p);
  pub_a.flush();
  ASSERT_EQ(next_payload(busy, 2s), "1");
  pub_b.publish(transport::topics::kMarket, "b");
  const auto start = Clock::now();
  EXPECT_EQ(transport::wait_for_input({&busy, &other}, 10s), (std::vector<size_t>{0, 1}));
  EXPECT_LT(since(start), 1s);
  ASSERT_NE(busy.take(), nullptr);
  EXPECT_EQ(busy.take()->payload, "3");
}

TEST(WaitForInput, ConnectingAgainForgetsThatTheSubscriberWasDrained) {
  zmq::context_t ctx;
  Link link(ctx, "first");
  auto& [pub, sub] = link;
  transport::Publisher second(ctx, "inproc://second");
  ASSERT_TRUE(sub.drained());
  // Connecting runs the socket's pending commands, so a frame's wake-up can be spent there.
  pub.publish(transport::topics::kMarket, "before connect");
  sub.connect("inproc://second");
  EXPECT_FALSE(sub.drained());
  const auto start = Clock::now();
  EXPECT_EQ(transport::wait_for_input({&sub}, 10s), std::vector<size_t>{0});
  EXPECT_LT(since(start), 1s);
  ASSERT_NE(sub.take(), nullptr);
  EXPECT_EQ(sub.take(), nullptr);
}
