// A paced replay's hold: how long market-data keeps an instant back so that the next ones
// share its bundle. The latency must-shows sit at 1 000 and 10 000 events/s, so the hold
// there must stay at 1 ms; above 20 000/s two cores need the turns a 2 ms hold saves.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fulcrum/runtime/replay_driver.h"

using fulcrum::runtime::paced_max_hold;
using std::chrono::microseconds;

TEST(PacedMaxHold, KeepsOneMillisecondUpToTenThousandEventsASecond) {
  for (const double rate : {0.0, 1.0, 1'000.0, 9'999.0, 10'000.0}) EXPECT_EQ(paced_max_hold(rate), microseconds(1'000)) << rate;
}

TEST(PacedMaxHold, HoldsTwoMillisecondsFromTwentyThousand) {
  for (const double rate : {20'000.0, 50'000.0, 1e9}) EXPECT_EQ(paced_max_hold(rate), microseconds(2'000)) << rate;
  EXPECT_EQ(paced_max_hold(std::numeric_limits<double>::infinity()), microseconds(2'000));
}

TEST(PacedMaxHold, RisesInStepWithTheRateBetween) {
  // Linear between (10 000/s, 1 000 µs) and (20 000/s, 2 000 µs): 0.1 µs more per event/s.
  EXPECT_EQ(paced_max_hold(15'000), microseconds(1'500));
  EXPECT_EQ(paced_max_hold(12'500), microseconds(1'250));
  EXPECT_EQ(paced_max_hold(19'000), microseconds(1'900));
  microseconds last{0};
  for (double rate = 0; rate <= 25'000; rate += 250) {
    const auto hold = paced_max_hold(rate);
    EXPECT_GE(hold, last) << rate;  // never shorter at a higher rate
    last = hold;
  }
}

TEST(PacedMaxHold, NonsenseRatesGetTheShortHold) {
  // The CLI refuses these; the function still answers with the latency-safe hold.
  EXPECT_EQ(paced_max_hold(std::nan("")), microseconds(1'000));
  EXPECT_EQ(paced_max_hold(-5'000), microseconds(1'000));
}
