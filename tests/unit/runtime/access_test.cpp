// Bearer tokens and the audit trail: the right token passes and names its id, a wrong,
// missing or other power's token does not, files rotate without a restart, and refusals
// beyond the rate are counted rather than recorded.
#include <gtest/gtest.h>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fulcrum/runtime/access.h"

using namespace fulcrum;
namespace fs = std::filesystem;
using runtime::TokenKind;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("fulcrum-access-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};
}  // namespace

TEST(TokenStore, TheRightTokenPassesAndNamesItsId) {
  TempDir dir;
  dir.write("engage", "# desk\nalice aaaaaaaaaaaaaaaaaaaa\nbob bbbbbbbbbbbbbbbbbbbb\n");
  dir.write("release", "carol cccccccccccccccccccc\n");
  runtime::TokenStore store(dir.path.string());
  auto v = store.check(TokenKind::kEngage, "Bearer bbbbbbbbbbbbbbbbbbbb");
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.token_id, "bob");
  EXPECT_FALSE(store.check(TokenKind::kEngage, "Bearer cccccccccccccccccccc").ok);  // the release power cannot engage
  EXPECT_FALSE(store.check(TokenKind::kRelease, "Bearer aaaaaaaaaaaaaaaaaaaa").ok);
  EXPECT_EQ(store.check(TokenKind::kEngage, "").why, "no authorization metadata");
  EXPECT_EQ(store.check(TokenKind::kEngage, "aaaaaaaaaaaaaaaaaaaa").why, "authorization is not 'Bearer <token>'");
  EXPECT_EQ(store.check(TokenKind::kEngage, "Bearer aaaaaaaaaaaaaaaaaaab").why, "wrong engage token");
  // No admin file: every admin call is refused; there is no open default.
  EXPECT_NE(store.check(TokenKind::kAdmin, "Bearer aaaaaaaaaaaaaaaaaaaa").why.find("no admin token file"), std::string::npos);
  EXPECT_EQ(store.secret(TokenKind::kRelease).value_or(""), "cccccccccccccccccccc");
}

TEST(TokenStore, AFileThatChangesRotatesTheToken) {
  TempDir dir;
  dir.write("mesh", "m1 1111111111111111111111\n");
  runtime::TokenStore store(dir.path.string());
  ASSERT_TRUE(store.check(TokenKind::kMesh, "Bearer 1111111111111111111111").ok);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a different mtime even on coarse clocks
  dir.write("mesh", "m2 2222222222222222222222222\n");
  EXPECT_FALSE(store.check(TokenKind::kMesh, "Bearer 1111111111111111111111").ok);
  const auto v = store.check(TokenKind::kMesh, "Bearer 2222222222222222222222222");
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.token_id, "m2");
}

TEST(TokenStore, ShortSecretsAndMalformedLinesAreRefused) {
  TempDir dir;
  dir.write("admin", "x short\n");
  runtime::TokenStore store(dir.path.string());
  const auto v = store.check(TokenKind::kAdmin, "Bearer short");
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.why.find("admin:1: expected '<token-id> <secret>', the secret at least 16 characters"), std::string::npos) << v.why;
}

TEST(TokenStore, ConstantTimeEqualityIsEquality) {
  EXPECT_TRUE(runtime::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(runtime::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(runtime::constant_time_equal("abc", "abcd"));
}

TEST(AuditTrail, RefusalsBeyondTheRateAreCountedNotRecorded) {
  auto log = std::make_shared<spdlog::logger>("audit", std::make_shared<spdlog::sinks::null_sink_mt>());
  runtime::AuditTrail audit(*log, 3);
  for (int i = 0; i < 10; ++i) audit.record({"engage", "unauthenticated", "", "ipv4:1.2.3.4:5", "global", "", "", "", "wrong engage token", 0});
  audit.record({"engage", "applied", "alice", "ipv4:1.2.3.4:5", "global", "ACTIVE", "HALTED", "incident", "", 7});
  EXPECT_EQ(audit.suppressed(), 7u);
  auto cmds = audit.take("ns:risk:audit");
  ASSERT_EQ(cmds.size(), 5u);  // 3 refusals, the engage (never rate-limited), the suppression count
  EXPECT_EQ(cmds[3][0], "XADD");
  EXPECT_EQ(cmds[3][1], "ns:risk:audit");
  const auto has = [](const std::vector<std::string>& c, const std::string& k, const std::string& v) {
    for (size_t i = 0; i + 1 < c.size(); ++i)
      if (c[i] == k && c[i + 1] == v) return true;
    return false;
  };
  EXPECT_TRUE(has(cmds[3], "token_id", "alice"));
  EXPECT_TRUE(has(cmds[3], "epoch", "7"));
  EXPECT_TRUE(has(cmds[4], "outcome", "suppressed"));
  EXPECT_TRUE(audit.take("ns:risk:audit").empty());
  audit.put_back(std::move(cmds));  // a failed write comes back for the next flush
  EXPECT_EQ(audit.take("ns:risk:audit").size(), 5u);
}

TEST(DurableFile, WritesReplaceWholeAndReadBack) {
  TempDir dir;
  const auto path = (dir.path / "state.txt").string();
  EXPECT_FALSE(runtime::read_if_exists(path));
  runtime::write_durably(path, "one\n");
  runtime::write_durably(path, "two\n");
  EXPECT_EQ(runtime::read_if_exists(path).value_or(""), "two\n");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_THROW(runtime::write_durably((dir.path / "missing" / "x").string(), "x"), std::runtime_error);
}
