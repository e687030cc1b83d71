// transport::append_without_hop_trail: what the router journals instead of a message's wire.
// Every check compares against protobuf itself: the result must parse to the input's message
// with its hops cleared, and nothing else may change.
#include <gtest/gtest.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>

#include <random>

#include "fulcrum/transport/hop_trail.h"
#include "fulcrum/v1/header.pb.h"
#include "fulcrum/v1/market.pb.h"
#include "fulcrum/v1/orders.pb.h"

using namespace fulcrum;
using google::protobuf::util::MessageDifferencer;

namespace {
void add_hops(v1::Header& h, int n, std::mt19937_64& rng) {
  for (int i = 0; i < n; ++i) {
    auto* hop = h.add_hops();
    hop->set_service(std::string(1 + rng() % 40, static_cast<char>('a' + i % 26)));
    hop->set_recv_ns(static_cast<int64_t>(rng() >> 1));
    hop->set_send_ns(static_cast<int64_t>(rng() >> 1));
  }
}
v1::OrderBatch random_batch(std::mt19937_64& rng, int hops) {
  v1::OrderBatch b;
  auto& h = *b.mutable_header();
  h.set_run_id("run-" + std::to_string(rng() % 1000));
  h.set_stream("leverage");
  h.set_stream_seq(rng());
  h.set_exchange_ts_ms(static_cast<int64_t>(rng() % 4'000'000'000'000));
  h.set_warmup(rng() % 2);
  add_hops(h, hops, rng);
  b.set_account("fixed");
  b.set_instant_ms(static_cast<int64_t>(rng() % 4'000'000'000'000));
  b.set_config_hash(std::string(64, 'c'));
  for (int i = 0; i < static_cast<int>(rng() % 4); ++i) {
    auto* s = b.add_commands()->mutable_submit();
    s->set_client_order_id("id-" + std::to_string(i));
    s->set_symbol("BTCUSDT");
    s->set_quantity_raw(static_cast<int64_t>(rng() >> 2));
  }
  return b;
}
template <class Message>
Message cleared(Message m) {
  if (m.has_header()) m.mutable_header()->clear_hops();
  return m;
}
// The stripped bytes of `wire`, checked to parse to `expected`.
template <class Message>
std::string stripped_and_checked(const std::string& wire, const Message& expected) {
  std::string out = "prefix";
  EXPECT_TRUE(transport::append_without_hop_trail(wire, out));
  EXPECT_EQ(out.substr(0, 6), "prefix");
  Message back;
  EXPECT_TRUE(back.ParseFromString(out.substr(6)));
  EXPECT_TRUE(MessageDifferencer::Equals(back, expected)) << back.DebugString() << "\nexpected\n" << expected.DebugString();
  return out.substr(6);
}
}  // namespace

// The function trusts that field 1 is the header: every message of the contract that has a
// header must declare it so, or its field 1 would be cut as if it were one.
TEST(HopTrail, EveryMessageWithAHeaderHasItAsFieldOne) {
  const auto* header = v1::Header::descriptor();
  const auto* pool = header->file()->pool();
  int seen = 0;
  for (const char* file : {"fulcrum/v1/market.proto", "fulcrum/v1/orders.proto", "fulcrum/v1/strategy.proto", "fulcrum/v1/membership.proto",
                           "fulcrum/v1/trading_state.proto", "fulcrum/v1/leaderboard.proto", "fulcrum/v1/control.proto"}) {
    const auto* f = pool->FindFileByName(file);
    if (!f) continue;  // a file no linked code uses is not in the generated pool
    for (int m = 0; m < f->message_type_count(); ++m)
      for (int i = 0; i < f->message_type(m)->field_count(); ++i) {
        const auto* field = f->message_type(m)->field(i);
        if (field->message_type() != header) continue;
        ++seen;
        EXPECT_EQ(field->number(), 1) << f->message_type(m)->full_name();
      }
  }
  EXPECT_GE(seen, 4);  // market events, order batches, account snapshots, acks at least
}

TEST(HopTrail, DropsOnlyTheHopsAndKeepsEveryOtherByte) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; ++round) {
    const int hops = static_cast<int>(rng() % 7);
    const auto b = random_batch(rng, hops);
    const auto wire = b.SerializeAsString();
    const auto out = stripped_and_checked(wire, cleared(b));
    // Protobuf writes fields in number order, so the result is the cleared message's own
    // serialization, byte for byte.
    EXPECT_EQ(out, cleared(b).SerializeAsString());
    if (hops > 0) {
      EXPECT_LT(out.size(), wire.size());
    }
  }
}

TEST(HopTrail, AMarketEventKeepsItsWarmUpFlagAndItsBar) {
  v1::MarketEvent ev;
  ev.mutable_header()->set_warmup(true);
  ev.mutable_header()->set_run_id("r1");
  std::mt19937_64 rng(1);
  add_hops(*ev.mutable_header(), 1, rng);
  auto* bar = ev.mutable_bar();
  bar->set_symbol("BTCUSDT");
  bar->set_close_raw(9'350'000'000'000);
  const auto out = stripped_and_checked(ev.SerializeAsString(), cleared(ev));
  v1::MarketEvent back;
  ASSERT_TRUE(back.ParseFromString(out));
  EXPECT_TRUE(back.header().warmup());
  EXPECT_EQ(back.bar().close_raw(), 9'350'000'000'000);
}

// A header past 127 and past 16 383 bytes has a two- and a three-byte length; without its
// hops it may need fewer, and the length written is the new one.
TEST(HopTrail, AHeaderWhoseLengthShrinksAcrossVarintSizesIsRewrittenWithItsNewLength) {
  std::mt19937_64 rng(3);
  for (int hops : {3, 6, 400, 1000}) {
    auto b = random_batch(rng, 0);
    add_hops(*b.mutable_header(), hops, rng);
    stripped_and_checked(b.SerializeAsString(), cleared(b));
  }
}

// Wires that are not the serializer's: a header given twice (protobuf merges them), fields
// this build does not know, and a body repeated. The result parses to the same message.
TEST(HopTrail, MergedHeadersUnknownFieldsAndRepeatedBodiesParseAsBefore) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 100; ++round) {
    const auto first = random_batch(rng, 2);
    const auto second = random_batch(rng, 3);
    // Field 999 as a varint (tag 7992: 0xb8 0x3e), field 1000 as 3 bytes (tag 8002: 0xc2 0x3e).
    const std::string unknown = std::string("\xb8\x3e\x2a", 3) + std::string("\xc2\x3e\x03", 3) + "abc";
    const auto wire = first.SerializeAsString() + unknown + second.SerializeAsString();
    v1::OrderBatch parsed;
    ASSERT_TRUE(parsed.ParseFromString(wire));
    const auto out = stripped_and_checked(wire, cleared(parsed));
    EXPECT_NE(out.find("abc"), std::string::npos) << "the unknown field is kept";
  }
}

// Every prefix of a wire (a frame cut short): either the prefix is a message and the result
// is it without hops, or the function says no and leaves `out` as it was.
TEST(HopTrail, ACutWireIsRefusedWithOutUntouchedOrStrippedIfItIsStillAMessage) {
  std::mt19937_64 rng(5);
  const auto b = random_batch(rng, 5);
  const auto wire = b.SerializeAsString();
  int refused = 0;
  for (size_t n = 0; n <= wire.size(); ++n) {
    const auto cut = wire.substr(0, n);
    std::string out = "kept";
    const bool ok = transport::append_without_hop_trail(cut, out);
    v1::OrderBatch parsed;
    if (parsed.ParseFromString(cut)) {
      ASSERT_TRUE(ok) << "a prefix of " << n << " bytes parses but was refused";
      v1::OrderBatch back;
      ASSERT_TRUE(back.ParseFromString(out.substr(4)));
      EXPECT_TRUE(MessageDifferencer::Equals(back, cleared(parsed))) << n;
    }
    if (!ok) {
      ++refused;
      EXPECT_EQ(out, "kept") << n;
    }
  }
  EXPECT_GT(refused, static_cast<int>(wire.size() / 2));  // most cuts fall inside a field
}

// Field 4 of a header sent as a varint is not a hop: protobuf keeps it as an unknown field of
// the header, and so does the journal.
TEST(HopTrail, AFieldFourOfAnotherWireTypeIsNotAHopAndIsKept) {
  std::mt19937_64 rng(13);
  auto b = random_batch(rng, 2);
  const auto wire = b.SerializeAsString() + std::string("\x0a\x02\x20\x05", 4);  // header { 4: varint 5 }
  v1::OrderBatch parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  ASSERT_EQ(parsed.header().hops_size(), 2);
  stripped_and_checked(wire, cleared(parsed));
}

// A group (wire types 3 and 4) is in no message of the contract, but protobuf keeps one as
// an unknown field, nested ones included; so does the journal.
TEST(HopTrail, AnUnknownGroupIsKeptWhole) {
  std::mt19937_64 rng(17);
  const auto b = random_batch(rng, 3);
  // Field 1001 as a group (start tag 8011: 0xcb 0x3e), holding field 2 = 7 and a nested
  // group 3 (start 0x1b, end 0x1c) holding field 1 = 1, then its end tag (8012: 0xcc 0x3e).
  const std::string group("\xcb\x3e\x10\x07\x1b\x08\x01\x1c\xcc\x3e", 10);
  const auto wire = b.SerializeAsString() + group;
  v1::OrderBatch parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire)) << "protobuf keeps an unknown group";
  const auto out = stripped_and_checked(wire, cleared(parsed));
  EXPECT_NE(out.find(group), std::string::npos);
  std::string kept = "kept";
  EXPECT_FALSE(transport::append_without_hop_trail(b.SerializeAsString() + std::string("\xcb\x3e\x10\x07\xd4\x3e", 6), kept)) << "ended by another number's end tag";
  EXPECT_EQ(kept, "kept");
}

// Found by fuzz_proto: a five-byte tag whose top bits overflow 32. Protobuf keeps the low 32
// bits (here field 392 682 617, a varint) and parses on; so must the journal.
TEST(HopTrail, AFiveByteTagIsReadAsProtobufReadsIt) {
  const std::string wire("\xc8\xc7\xfb\xd9\x3b\x23", 6);
  v1::MarketEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  stripped_and_checked(wire, parsed);
}

TEST(HopTrail, GarbageIsRefused) {
  for (const std::string& bad : {std::string("\x0a\x05\x01", 3), std::string("\x0b\x00", 2), std::string("\x00", 1), std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),
                                std::string("\x0a\x03\x22\x05x", 5)}) {
    std::string out = "kept";
    EXPECT_FALSE(transport::append_without_hop_trail(bad, out)) << testing::PrintToString(bad);
    EXPECT_EQ(out, "kept");
  }
}
