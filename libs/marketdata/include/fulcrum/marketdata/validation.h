#pragma once
// What a loader found wrong in a file, row by row.
#include <cstddef>
#include <string>
#include <vector>

namespace fulcrum::marketdata {

enum class IssueKind { kGap, kDuplicate, kNonMonotonic, kImpossibleOhlc, kNonNumeric, kBadColumnCount, kImplausible };
const char* to_string(IssueKind k);

struct DataIssue {
  std::string file;
  size_t line = 0;  // 1-based
  IssueKind kind;
  std::string message;
  std::string str() const { return file + ":" + std::to_string(line) + ": " + to_string(kind) + ": " + message; }
};

struct ValidationReport {
  std::vector<DataIssue> issues;
  size_t rows_read = 0;
  size_t rows_kept = 0;
  size_t count(IssueKind k) const;
  std::string summary() const;  // one line per kind with counts, then the first few issues
};

// Values that parse but cannot be real: each is a reported, skipped row (an error in
// strict mode), because one such row would otherwise move every later trade.
struct Plausibility {
  double max_price_jump_factor = 10.0;  // a price beyond ×f or ÷f of the previous close
  double max_abs_funding_rate = 0.03;   // per funding interval (Binance caps far below)
};

enum class ValidationMode {
  kReport,  // keep good rows, drop bad ones, report everything; never invents a bar
  kStrict,  // the first issue is a DataError
};

}  // namespace fulcrum::marketdata
