#include <gtest/gtest.h>

#include <random>

#include "fulcrum/core/journal.h"

using namespace fulcrum;

namespace {
std::vector<std::string> unpack_all(const std::vector<std::string>& elements) {
  std::vector<std::string> out;
  for (const auto& e : elements) {
    const auto fault = core::unpack_element(e, [&](std::string_view entry) { out.emplace_back(entry); });
    EXPECT_EQ(fault, "");
  }
  return out;
}
}  // namespace

// Entries of every size, binary included (a stage's entries start with their input index,
// often 0, and payloads hold NULs), come back whole and in order; no pack but one holding
// a single over-long entry passes kMaxPackBytes.
TEST(JournalPack, EntriesComeBackWholeAndInOrder) {
  std::mt19937 rng(7);
  std::vector<std::string> entries;
  for (int i = 0; i < 3000; ++i) {
    std::string e(rng() % 300, '\0');
    for (auto& c : e) c = static_cast<char>(rng() % 256);
    entries.push_back(std::move(e));
  }
  entries.push_back(std::string(core::kMaxPackBytes + 10, 'x'));  // longer than a pack
  entries.push_back("");
  entries.push_back(std::string(1, core::kPackMark));  // an entry may itself start with the mark
  std::vector<std::string> packs;
  core::pack_entries(packs, entries);
  size_t bytes = 0;
  for (const auto& e : entries) bytes += e.size() + 4;
  EXPECT_GE(packs.size(), bytes / core::kMaxPackBytes);
  EXPECT_LT(packs.size(), entries.size() / 50) << "packs hold many entries";
  for (const auto& p : packs) {
    ASSERT_FALSE(p.empty());
    EXPECT_EQ(p[0], core::kPackMark);
    if (p.size() > core::kMaxPackBytes) {
      EXPECT_EQ(p.size(), 1 + 4 + core::kMaxPackBytes + 10) << "only the over-long entry's own pack is larger";
    }
  }
  EXPECT_EQ(unpack_all(packs), entries);
}

// The length prefix is 4 bytes little-endian: checked against a pack built by hand.
TEST(JournalPack, TheLayoutIsTheDocumentedOne) {
  std::vector<std::string> packs;
  core::pack_entries(packs, {"ab", std::string(258, 'z')});
  ASSERT_EQ(packs.size(), 1u);
  const std::string expected = std::string(1, core::kPackMark) + std::string("\x02\x00\x00\x00", 4) + "ab" + std::string("\x02\x01\x00\x00", 4) +
                               std::string(258, 'z');
  EXPECT_EQ(packs[0], expected);
}

// A journal written before packs holds bare entries: each element is one entry.
TEST(JournalPack, ABareElementIsOneEntry) {
  EXPECT_EQ(unpack_all({"m\x08\x01", std::string("\x00md\x00payload", 11)}), (std::vector<std::string>{"m\x08\x01", std::string("\x00md\x00payload", 11)}));
}

// A cut or forged pack is reported with where it breaks, after the entries before it.
TEST(JournalPack, ACorruptPackIsNamedNotApplied) {
  std::vector<std::string> packs;
  core::pack_entries(packs, {"first", "second"});
  ASSERT_EQ(packs.size(), 1u);
  std::vector<std::string> got;
  const auto collect = [&](std::string_view e) { got.emplace_back(e); };
  auto cut = packs[0].substr(0, packs[0].size() - 3);
  EXPECT_NE(core::unpack_element(cut, collect).find("runs past its end"), std::string::npos);
  EXPECT_EQ(got, std::vector<std::string>{"first"});
  got.clear();
  EXPECT_NE(core::unpack_element(packs[0].substr(0, 3), collect).find("inside an entry's length"), std::string::npos);
  EXPECT_TRUE(got.empty());
  const std::string huge = std::string(1, core::kPackMark) + std::string("\xff\xff\xff\x7f", 4) + "x";
  EXPECT_NE(core::unpack_element(huge, collect).find("2147483647 bytes runs past its end"), std::string::npos);
  EXPECT_TRUE(got.empty());
}
