// The control board a gRPC reload goes through: a config that does not load is refused
// with its problems listed, and the running config is kept.
#include <gtest/gtest.h>

#include "fulcrum/runtime/control_server.h"
#include "test_support.h"

using namespace fulcrum;

TEST(ControlBoard, AMalformedReloadIsRefusedAndTheOldConfigKept) {
  // The 12-byte file that aborted config check, backtest and up (an exception thrown from a
  // destructor) and killed the mesh through a reload.
  const std::string twelve_bytes = "? [a, b]\n: 1";
  // Through the gRPC reload: rejected with the problem listed, the old config kept.
  runtime::ControlBoard board("signal-engine", "mesh:\n  log_level: info\n", "test.yaml");
  const auto before = board.config().second;
  std::vector<std::string> problems;
  ASSERT_NO_THROW(problems = board.reload(twelve_bytes));
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("keys must be plain names"), std::string::npos) << problems[0];
  EXPECT_EQ(board.config().second, before);
  EXPECT_FALSE(board.take_reload().has_value());
}
