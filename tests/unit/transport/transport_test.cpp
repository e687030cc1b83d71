// The hot-path transport over real ZeroMQ sockets: round trips, garbage, gaps.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <thread>

#include "fulcrum/transport/codec.h"
#include "fulcrum/transport/endpoint.h"
#include "fulcrum/transport/topics.h"
#include "fulcrum/transport/strategy_codec.h"
#include "test_support.h"

using namespace fulcrum;
using namespace std::chrono_literals;

namespace {
// PUB/SUB joins asynchronously; publish a probe until the subscriber sees it.
void await_connected(transport::Publisher& pub, transport::Subscriber& sub) {
  for (int i = 0; i < 200; ++i) {
    pub.publish(transport::topics::kMarket, "");
    if (sub.receive(10ms)) return;
  }
  FAIL() << "subscriber never connected";
}
}  // namespace

TEST(Codec, CandleRoundTripIsExact) {
  model::Bar bar = test::bar(1'735'689'600'000, 93'548.8, 93'599.9, 93'514.2, 93'599.9, 71.187, 60'000);
  bar.taker_buy_volume = *core::Qty::parse("35.553");
  v1::Candle c;
  transport::to_proto("BTCUSDT", bar, c);
  std::string wire;
  ASSERT_TRUE(c.SerializeToString(&wire));
  const auto parsed = transport::parse<v1::Candle>(wire.data(), wire.size());
  ASSERT_TRUE(parsed);
  const auto back = transport::from_proto(*parsed);
  EXPECT_EQ(parsed->symbol(), "BTCUSDT");
  EXPECT_EQ(back.open_time_ms, bar.open_time_ms);
  EXPECT_EQ(back.high, bar.high);
  EXPECT_EQ(back.close, bar.close);
  EXPECT_EQ(back.volume, bar.volume);
  EXPECT_EQ(back.taker_buy_volume, bar.taker_buy_volume);
  model::FundingEvent ev{1'735'689'600'000, 8, *core::Rate::parse("9.47e-6")};
  v1::Funding f;
  transport::to_proto("BTCUSDT", ev, f);
  EXPECT_EQ(transport::from_proto(f).rate, ev.rate);
}

TEST(Transport, GarbageOnTheSocketIsCountedAndNeverStopsGoodMessages) {
  zmq::context_t ctx;
  transport::Publisher pub(ctx, "inproc://md");
  transport::Subscriber sub(ctx, "inproc://md", {transport::topics::kMarket});
  std::vector<std::string> reports;
  transport::RateLimitedReporter reporter([&](const std::string& m, uint64_t) { reports.push_back(m); }, 0ms);
  sub.set_reporter(&reporter);
  await_connected(pub, sub);

  // A raw PUB socket on the same subscriber sends what a broken or foreign peer might.
  zmq::socket_t rogue(ctx, zmq::socket_type::pub);
  rogue.bind("inproc://rogue");
  sub.connect("inproc://rogue");
  std::this_thread::sleep_for(50ms);
  rogue.send(zmq::str_buffer("just one frame"), zmq::send_flags::none);
  rogue.send(zmq::str_buffer("md"), zmq::send_flags::sndmore);
  rogue.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  rogue.send(zmq::str_buffer("b"), zmq::send_flags::none);
  rogue.send(zmq::str_buffer("weather"), zmq::send_flags::sndmore);
  rogue.send(zmq::str_buffer("sunny"), zmq::send_flags::none);
  rogue.send(zmq::str_buffer("md"), zmq::send_flags::sndmore);
  rogue.send(zmq::buffer(std::string("\xff\xff\xff\xff\x0f not protobuf", 18)), zmq::send_flags::none);

  v1::MarketEvent good;
  good.mutable_header()->set_stream_seq(7);
  good.mutable_bar()->set_symbol("BTCUSDT");
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(pub.publish(transport::topics::kMarket, good.SerializeAsString()));

  // Two publishers are fair-queued: the good message may come before or after the garbage.
  auto got = sub.receive_as<v1::MarketEvent>(1000ms);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->second.header().stream_seq(), 7u);
  EXPECT_EQ(got->second.bar().symbol(), "BTCUSDT");
  EXPECT_FALSE(sub.receive_as<v1::MarketEvent>(200ms).has_value()) << "nothing else was valid";
  EXPECT_EQ(sub.counters().malformed, 4u);
  ASSERT_EQ(reports.size(), 4u);
  std::string all;
  for (const auto& r : reports) all += r + "\n";
  EXPECT_NE(all.find("got 1"), std::string::npos) << all;
  EXPECT_NE(all.find("got 3"), std::string::npos) << all;
  EXPECT_NE(all.find("foreign topic 'weather'"), std::string::npos) << all;
  EXPECT_NE(all.find("unparsable payload on topic 'md'"), std::string::npos) << all;
}

// A batch leaves as bundles of at most kMaxBundleFrames frames, in order; a frame too big
// for a bundle goes alone, after what waited; the subscriber hands them out one by one. A
// raw SUB socket sees the ZeroMQ messages themselves, and decodes each bundle's body by
// the layout endpoint.h documents, so the bundling is checked on the wire, not only its
// result.
TEST(Transport, ABatchLeavesAsBundlesInOrderAndArrivesFrameByFrame) {
  zmq::context_t ctx;
  transport::Publisher pub(ctx, "inproc://bundles");
  transport::Subscriber sub(ctx, "inproc://bundles", {transport::topics::kMarket});
  zmq::socket_t raw(ctx, zmq::socket_type::sub);
  raw.set(zmq::sockopt::subscribe, "");
  raw.connect("inproc://bundles");
  await_connected(pub, sub);
  while (sub.receive(50ms)) {}  // the probes
  for (zmq::message_t m; raw.recv(m, zmq::recv_flags::dontwait);) {}
  const auto received_before = sub.counters().received;

  const size_t n = 2 * transport::kMaxBundleFrames + 3;
  const std::string big(transport::kMaxBundleBytes + 1, 'x');
  pub.begin_batch();
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(pub.publish(transport::topics::kMarket, "frame-" + std::to_string(i)));
  ASSERT_TRUE(pub.publish(transport::topics::kMarket, big));
  ASSERT_TRUE(pub.publish(transport::topics::kMarket, "after-big"));
  EXPECT_EQ(pub.flush(), 0u);
  EXPECT_EQ(pub.flush(), 0u) << "nothing waits after a flush";

  // On the wire: two full bundles, one of the rest, the big frame alone, then the last one
  // as a plain pair. Each message is described as "bundle:<frames>" or "pair:<payload size>".
  std::vector<std::string> messages;
  std::vector<std::string> unbundled;
  for (int waited = 0; messages.size() < 5 && waited < 200;) {
    std::vector<zmq::message_t> parts(1);
    if (!raw.recv(parts[0], zmq::recv_flags::dontwait)) {
      std::this_thread::sleep_for(5ms);
      ++waited;
      continue;
    }
    while (parts.back().more()) ASSERT_TRUE(raw.recv(parts.emplace_back(), zmq::recv_flags::none));
    ASSERT_EQ(parts.size(), 2u);
    if (parts[0].to_string() != transport::kBundleTopic) {
      EXPECT_EQ(parts[0].to_string(), transport::topics::kMarket);
      messages.push_back("pair:" + std::to_string(parts[1].size()));
      continue;
    }
    const std::string body = parts[1].to_string();
    size_t at = 0, frames = 0;
    while (at < body.size()) {  // [topic length][topic][payload length, 4 bytes LE][payload]
      const size_t t = static_cast<unsigned char>(body[at]);
      EXPECT_EQ(body.substr(at + 1, t), transport::topics::kMarket);
      size_t len = 0;
      for (int b = 3; b >= 0; --b) len = len * 256 + static_cast<unsigned char>(body[at + 1 + t + static_cast<size_t>(b)]);
      unbundled.push_back(body.substr(at + 1 + t + 4, len));
      at += 1 + t + 4 + len;
      ++frames;
    }
    EXPECT_EQ(at, body.size());
    messages.push_back("bundle:" + std::to_string(frames));
  }
  const auto full = "bundle:" + std::to_string(transport::kMaxBundleFrames);
  EXPECT_EQ(messages, (std::vector<std::string>{full, full, "bundle:3", "pair:" + std::to_string(big.size()), "pair:9"}));
  ASSERT_EQ(unbundled.size(), n);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(unbundled[i], "frame-" + std::to_string(i));

  std::vector<std::string> got;
  while (auto f = sub.receive(200ms)) got.push_back(f->payload);
  ASSERT_EQ(got.size(), n + 2);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(got[i], "frame-" + std::to_string(i));
  EXPECT_EQ(got[n], big);
  EXPECT_EQ(got[n + 1], "after-big");
  EXPECT_EQ(sub.counters().received - received_before, n + 2);
  EXPECT_EQ(sub.counters().malformed, 0u);
  EXPECT_EQ(pub.counters().send_dropped, 0u);
}

// A forged bundle: its foreign frames are counted and skipped, its good ones delivered; a
// message of more pairs than a bundle holds, or an odd number of parts, is refused whole, and
// so is a packed bundle that is cut or holds more frames than a bundle may.
TEST(Transport, AForgedBundleDeliversOnlyItsGoodFrames) {
  zmq::context_t ctx;
  transport::Publisher pub(ctx, "inproc://forged-ok");
  transport::Subscriber sub(ctx, "inproc://forged-ok", {transport::topics::kMarket});
  std::vector<std::string> reports;
  transport::RateLimitedReporter reporter([&](const std::string& m, uint64_t) { reports.push_back(m); }, 0ms);
  sub.set_reporter(&reporter);
  await_connected(pub, sub);
  while (sub.receive(50ms)) {}
  zmq::socket_t rogue(ctx, zmq::socket_type::pub);
  rogue.bind("inproc://forged");
  sub.connect("inproc://forged");
  std::this_thread::sleep_for(50ms);
  const auto send_parts = [&](const std::vector<std::string>& parts) {
    for (size_t i = 0; i < parts.size(); ++i)
      rogue.send(zmq::buffer(parts[i]), i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  };
  send_parts({transport::topics::kMarket, "one", "weather", "sunny", transport::topics::kMarket, "two"});
  std::vector<std::string> too_many;
  for (size_t i = 0; i <= transport::kMaxBundleFrames; ++i) {
    too_many.push_back(transport::topics::kMarket);
    too_many.push_back("never");
  }
  send_parts(too_many);
  send_parts({transport::topics::kMarket, "a", transport::topics::kMarket});
  send_parts({transport::topics::kMarket, "three"});
  // Packed bundles: a good one with a foreign frame inside, a cut one, and one of more
  // frames than a bundle holds. Only the good one's subscribed frames arrive.
  const auto packed = [](const std::vector<std::pair<std::string, std::string>>& frames) {
    std::string body;
    for (const auto& [topic, payload] : frames) {
      body.push_back(static_cast<char>(topic.size()));
      body += topic;
      const auto n = static_cast<uint32_t>(payload.size());
      for (int b = 0; b < 4; ++b) body.push_back(static_cast<char>((n >> (8 * b)) & 0xff));
      body += payload;
    }
    return body;
  };
  send_parts({std::string(transport::kBundleTopic), packed({{transport::topics::kMarket, "four"}, {"weather", "rain"}, {transport::topics::kMarket, "five"}})});
  const auto whole = packed({{transport::topics::kMarket, "never-cut"}, {transport::topics::kMarket, "never-cut-2"}});
  send_parts({std::string(transport::kBundleTopic), whole.substr(0, whole.size() - 2)});
  std::vector<std::pair<std::string, std::string>> crowd(transport::kMaxBundleFrames + 1, {transport::topics::kMarket, "never-crowd"});
  send_parts({std::string(transport::kBundleTopic), packed(crowd)});
  send_parts({transport::topics::kMarket, "six"});

  std::vector<std::string> got;
  while (auto f = sub.receive(300ms)) got.push_back(f->payload);
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two", "three", "four", "five", "six"}));
  EXPECT_EQ(sub.counters().malformed, 6u);
  std::string all;
  for (const auto& r : reports) all += r + "\n";
  EXPECT_NE(all.find("foreign topic 'weather'"), std::string::npos) << all;
  EXPECT_NE(all.find("a bundle of " + std::to_string(transport::kMaxBundleFrames + 1) + " frames"), std::string::npos) << all;
  EXPECT_NE(all.find("got 3 frames"), std::string::npos) << all;
  EXPECT_NE(all.find("a bundle cut or forged at byte " + std::to_string(1 + 2 + 4 + 9) + " of " + std::to_string(whole.size() - 2)), std::string::npos) << all;
  EXPECT_NE(all.find("a bundle of more than " + std::to_string(transport::kMaxBundleFrames) + " frames"), std::string::npos) << all;
}

TEST(Transport, RateLimitedReporterCountsWhatItSuppresses) {
  std::vector<std::pair<std::string, uint64_t>> out;
  transport::RateLimitedReporter r([&](const std::string& m, uint64_t s) { out.emplace_back(m, s); }, 50ms);
  for (int i = 0; i < 100; ++i) r.report("bad " + std::to_string(i));
  ASSERT_EQ(out.size(), 1u);
  std::this_thread::sleep_for(60ms);
  r.report("later");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].second, 99u);
}

TEST(SequenceTracker, GapsRepeatsAndStreams) {
  transport::SequenceTracker t;
  EXPECT_EQ(t.check("md", 1).kind, transport::SequenceCheck::Kind::kFirst);
  EXPECT_EQ(t.check("md", 2).kind, transport::SequenceCheck::Kind::kInOrder);
  const auto gap = t.check("md", 6);
  EXPECT_EQ(gap.kind, transport::SequenceCheck::Kind::kGap);
  EXPECT_EQ(gap.missing(), 3u);
  EXPECT_EQ(t.check("md", 6).kind, transport::SequenceCheck::Kind::kDuplicateOrRestart);
  EXPECT_EQ(t.check("other", 100).kind, transport::SequenceCheck::Kind::kFirst);
  EXPECT_EQ(t.gaps(), 1u);
  EXPECT_EQ(t.missing_messages(), 3u);
}

TEST(Transport, SlowSubscriberLosesAtTheHighWaterMarkAndTheGapIsSeen) {
  zmq::context_t ctx;
  transport::Publisher pub(ctx, "inproc://hwm", 10);
  transport::Subscriber sub(ctx, "inproc://hwm", {transport::topics::kMarket}, 10);
  await_connected(pub, sub);
  v1::MarketEvent ev;
  for (uint64_t seq = 1; seq <= 1000; ++seq) {
    ev.mutable_header()->set_stream_seq(seq);
    pub.publish(transport::topics::kMarket, ev.SerializeAsString());
  }
  transport::SequenceTracker tracker;
  uint64_t received = 0;
  auto drain = [&] {
    while (auto m = sub.receive_as<v1::MarketEvent>(100ms)) {
      if (m->second.header().stream_seq() == 0) continue;  // connection probes
      tracker.check("md", m->second.header().stream_seq());
      ++received;
    }
  };
  drain();
  // The tail was dropped at the high-water mark; the next message that gets through shows the gap.
  ev.mutable_header()->set_stream_seq(1001);
  pub.publish(transport::topics::kMarket, ev.SerializeAsString());
  drain();
  EXPECT_LT(received, 1001u) << "the queue is bounded by design";
  EXPECT_EQ(tracker.missing_messages() + received, 1001u) << "every lost message is accounted for as a gap";
  EXPECT_GE(tracker.gaps(), 1u);
}

TEST(PreTradeGate, EveryReasonHasItsOwnWireValue) {
  std::set<int> seen;
  for (auto r : {risk::GateReason::kTradingHalted, risk::GateReason::kTradingReducing, risk::GateReason::kStateUnavailable, risk::GateReason::kLeverageAboveLimit, risk::GateReason::kNotionalAboveLimit,
                 risk::GateReason::kOrdersPerInstantAboveLimit, risk::GateReason::kValueOutOfRange}) {
    const int wire = transport::to_proto(r);
    EXPECT_NE(wire, 0) << risk::to_string(r);
    EXPECT_TRUE(seen.insert(wire).second) << risk::to_string(r) << " shares a wire value";
  }
}

// A chosen port must stay free until bound: an outgoing connection takes its local port from the
// kernel's ephemeral range, so a chosen port inside that range can be stolen (CI saw it).
TEST(FreeLoopbackPort, IsOutsideTheEphemeralRangeAndBindable) {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  int high = 0;
  if (!(range >> low >> high)) GTEST_SKIP() << "/proc/sys/net/ipv4/ip_local_port_range is unreadable here";
  for (int i = 0; i < 50; ++i) {
    const int port = transport::free_loopback_port();
    EXPECT_TRUE(port < low || port > high) << port << " is inside the ephemeral range " << low << "-" << high;
    zmq::context_t ctx;
    transport::Publisher pub(ctx, "tcp://127.0.0.1:" + std::to_string(port));
    pub.publish(transport::topics::kMarket, "");
  }
}
