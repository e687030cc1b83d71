// `fulcrum download`, `fulcrum validate`, `fulcrum config check`.
#include <cstdio>
#include <ctime>
#include <iostream>

#include "commands.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/core/error.h"
#include "fulcrum/download/downloader.h"
#include "fulcrum/marketdata/readers.h"

namespace fulcrum::cli {
namespace {

}  // namespace

Runner add_download_command(CLI::App& app) {
  struct Opts {
    std::vector<std::string> symbols;
    std::string type = "klines", interval = "1m", out = "data", first, last, base_url = "https://data.binance.vision";
    size_t parallel = 4;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("download",
                                 "Fetch Binance public-data archives, checksum-verified, resumable and in parallel: monthly files, and daily ones for the current month");
  cmd->add_option("--symbols", o->symbols)->required()->delimiter(',');
  cmd->add_option("--type", o->type, "klines | markPriceKlines | fundingRate")->capture_default_str();
  cmd->add_option("--interval", o->interval)->capture_default_str();
  cmd->add_option("--from-month", o->first, "first month, YYYY-MM")->required();
  cmd->add_option("--to-month", o->last, "last month, YYYY-MM")->required();
  cmd->add_option("--out", o->out)->capture_default_str();
  cmd->add_option("--base-url", o->base_url)->capture_default_str();
  cmd->add_option("--parallel", o->parallel, "archives fetched at once")->check(CLI::Range(1, 16))->capture_default_str();
  return [o] {
    int y0 = 0, m0 = 0, y1 = 0, m1 = 0;
    if (std::sscanf(o->first.c_str(), "%d-%d", &y0, &m0) != 2 || std::sscanf(o->last.c_str(), "%d-%d", &y1, &m1) != 2 || m0 < 1 || m0 > 12 ||
        m1 < 1 || m1 > 12 || y0 * 12 + m0 > y1 * 12 + m1)
      throw core::ConfigError("download", {{"from-month/to-month", "must be YYYY-MM with from ≤ to"}});
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::vector<download::ArchiveRequest> reqs;
    try {
      reqs = download::plan_archives(o->symbols, o->type, o->interval, y0 * 12 + m0 - 1, y1 * 12 + m1 - 1,
                                     {utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday});
    } catch (const std::invalid_argument& e) {
      throw core::ConfigError("download", {{"to-month", e.what()}});
    }
    download::HttpFetcher fetcher;
    int failures = 0;
    for (const auto& r : download::download_archives(reqs, o->out, fetcher, o->base_url, o->parallel)) {
      if (!r.error.empty()) ++failures;
      std::cout << (r.error.empty() ? (r.skipped_existing ? "ok (already verified) " : "ok ") : "FAILED ") << r.path
                << (r.error.empty() ? "" : ": " + r.error) << "\n";
    }
    return failures ? 4 : 0;
  };
}

Runner add_validate_command(CLI::App& app) {
  struct Opts {
    std::vector<std::string> files;
    bool strict = false, funding = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("validate", "Check kline or funding files: gaps, duplicates, order, OHLC, numbers");
  cmd->add_option("files", o->files)->required();
  cmd->add_flag("--strict", o->strict, "stop at the first problem");
  cmd->add_flag("--funding", o->funding, "the files are funding-rate csv");
  return [o] {
    const auto mode = o->strict ? marketdata::ValidationMode::kStrict : marketdata::ValidationMode::kReport;
    size_t with_issues = 0;
    for (const auto& f : o->files) {
      const auto report = o->funding ? marketdata::read_funding(f, mode).report : marketdata::read_klines(f, mode).report;
      std::cout << f << ": " << report.summary() << "\n";
      if (!report.issues.empty()) ++with_issues;
    }
    return with_issues ? 5 : 0;
  };
}

Runner add_config_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("config", "Config tools");
  auto* check = cmd->add_subcommand("check", "Validate a config file: every error, with its field path");
  check->add_option("file", *file)->required();
  cmd->require_subcommand(1);
  return [file] {
    const auto cfg = config::load_app_config(*file);
    std::cout << *file << ": ok (" << cfg.instruments.size() << " instruments, "
              << (cfg.backtest.policy_names.empty() ? std::string("all policies") : std::to_string(cfg.backtest.policy_names.size()) + " policies")
              << ")\n";
    return 0;
  };
}

}  // namespace fulcrum::cli
