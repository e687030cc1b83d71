#include "fulcrum/marketdata/validation.h"

#include <algorithm>

namespace fulcrum::marketdata {

const char* to_string(IssueKind k) {
  switch (k) {
    case IssueKind::kGap: return "gap";
    case IssueKind::kDuplicate: return "duplicate";
    case IssueKind::kNonMonotonic: return "non-monotonic";
    case IssueKind::kImpossibleOhlc: return "impossible-ohlc";
    case IssueKind::kNonNumeric: return "non-numeric";
    case IssueKind::kBadColumnCount: return "bad-column-count";
    case IssueKind::kImplausible: return "implausible";
  }
  return "unknown";
}

size_t ValidationReport::count(IssueKind k) const {
  return static_cast<size_t>(std::count_if(issues.begin(), issues.end(), [k](const DataIssue& i) { return i.kind == k; }));
}

std::string ValidationReport::summary() const {
  std::string out = std::to_string(rows_read) + " rows read, " + std::to_string(rows_kept) + " kept";
  for (auto k : {IssueKind::kGap, IssueKind::kDuplicate, IssueKind::kNonMonotonic, IssueKind::kImpossibleOhlc,
                 IssueKind::kNonNumeric, IssueKind::kBadColumnCount, IssueKind::kImplausible}) {
    if (const size_t n = count(k)) out += ", " + std::to_string(n) + " " + to_string(k);
  }
  constexpr size_t kShown = 3;
  for (size_t i = 0; i < issues.size() && i < kShown; ++i) out += "\n    " + issues[i].str();
  if (issues.size() > kShown) out += "\n    … " + std::to_string(issues.size() - kShown) + " more";
  return out;
}

}  // namespace fulcrum::marketdata
