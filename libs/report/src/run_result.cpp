#include "fulcrum/report/run_result.h"

namespace fulcrum::report {

double sample_equity(PolicyRun& run, TimestampMs t) {
  const double eq = run.venue->equity().to_double();
  if (!run.equity_curve.empty() && run.equity_curve.back().time_ms == t) run.equity_curve.back().equity = eq;
  else run.equity_curve.push_back({t, eq});
  return eq;
}

}  // namespace fulcrum::report
