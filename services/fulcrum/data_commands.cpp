// `fulcrum download`, `fulcrum validate`, `fulcrum config check`.
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/core/error.h"
#include "fulcrum/download/downloader.h"
#include "fulcrum/marketdata/readers.h"

extern char** environ;

namespace fulcrum::cli {
namespace {

// The transfer itself is curl's: it resumes with -C - and fails on HTTP errors.
class CurlFetcher final : public download::IFetcher {
 public:
  std::string fetch(const std::string& url, const std::string& dest) override {
    std::vector<std::string> args = {"curl", "-fsSL", "--retry", "3", "-C", "-", "-o", dest, url};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, "curl", nullptr, nullptr, argv.data(), environ) != 0) return "cannot run curl (is it installed?)";
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "curl failed for " + url + " (exit " + std::to_string(WEXITSTATUS(status)) + ")";
    return {};
  }
};

}  // namespace

Runner add_download_command(CLI::App& app) {
  struct Opts {
    std::vector<std::string> symbols;
    std::string type = "klines", interval = "1m", out = "data", first, last, base_url = "https://data.binance.vision";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("download", "Fetch Binance public-data archives (monthly), checksum-verified and resumable");
  cmd->add_option("--symbols", o->symbols)->required()->delimiter(',');
  cmd->add_option("--type", o->type, "klines | markPriceKlines | fundingRate")->capture_default_str();
  cmd->add_option("--interval", o->interval)->capture_default_str();
  cmd->add_option("--from-month", o->first, "first month, YYYY-MM")->required();
  cmd->add_option("--to-month", o->last, "last month, YYYY-MM")->required();
  cmd->add_option("--out", o->out)->capture_default_str();
  cmd->add_option("--base-url", o->base_url)->capture_default_str();
  return [o] {
    int y0 = 0, m0 = 0, y1 = 0, m1 = 0;
    if (std::sscanf(o->first.c_str(), "%d-%d", &y0, &m0) != 2 || std::sscanf(o->last.c_str(), "%d-%d", &y1, &m1) != 2 || m0 < 1 || m0 > 12 ||
        m1 < 1 || m1 > 12 || y0 * 12 + m0 > y1 * 12 + m1)
      throw core::ConfigError("download", {{"from-month/to-month", "must be YYYY-MM with from ≤ to"}});
    std::vector<download::ArchiveRequest> reqs;
    for (const auto& s : o->symbols)
      for (int ym = y0 * 12 + m0 - 1; ym <= y1 * 12 + m1 - 1; ++ym) reqs.push_back({s, o->type, o->interval, ym / 12, ym % 12 + 1, 0});
    CurlFetcher fetcher;
    int failures = 0;
    for (const auto& r : download::download_archives(reqs, o->out, fetcher, o->base_url)) {
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
