// `fulcrum research`: walk-forward research that fits, in one process, in one process per fold
// (--jobs), or fold by fold in separate pods (--fold, then `research merge`). Every way writes
// the same fold outcomes and the merge reads them back, so every way gives the same report.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "child_process.h"
#include "commands.h"
#include "fulcrum/core/error.h"
#include "fulcrum/core/time_format.h"
#include "fulcrum/report/report_writer.h"
#include "fulcrum/research/walk_forward.h"
#include "run_loading.h"

namespace fulcrum::cli {
namespace fs = std::filesystem;
namespace {

struct ResearchOptions {
  BacktestOptions run;
  std::string run_name;      // --run: a run folder that several processes share
  std::vector<size_t> folds; // --fold K[,K…]: these folds only
  size_t expect_folds = 0;   // --expect-folds N: refuse a plan of another size
  unsigned jobs = 1;         // --jobs N: folds in N processes at once (0: one per core)
  bool list_folds = false;
  int wait_seconds = 0;      // merge: wait this long for every fold
};

std::string day(core::TimestampMs t) { return core::format_utc_ms(t).substr(0, 10); }

research::ResearchPlan plan_or_refuse(const config::AppConfig& cfg, const ResearchOptions& o) {
  research::ResearchPlan plan;
  try {
    plan = research::plan_research(cfg.backtest, cfg.research, cfg.source_text);
  } catch (const std::invalid_argument& e) {
    throw core::ConfigError(cfg.source, {{"research", e.what()}});
  }
  const size_t n = plan.folds.size();
  if (o.expect_folds != 0 && o.expect_folds != n)
    throw core::ConfigError("--expect-folds", {{"expect-folds", "the plan has " + std::to_string(n) + " folds (" + day(plan.from_ms) + " → " +
                                                                    day(plan.to_ms) + "), not " + std::to_string(o.expect_folds) +
                                                                    ": size the job for " + std::to_string(n) + " (helm: research.folds)"}},
                            "invalid argument");
  for (const size_t k : o.folds)
    if (k > n)
      throw core::ConfigError("--fold", {{"fold", "fold " + std::to_string(k) + " does not exist: the plan has folds 1 to " + std::to_string(n)}}, "invalid argument");
  return plan;
}

std::string run_folder(const config::AppConfig& cfg, const ResearchOptions& o, bool shared) {
  try {
    if (shared) return report::shared_run_dir(cfg.output.dir, o.run_name, out_field(o.run));
    return report::make_run_dir(cfg.output.dir, report::new_run_name(cfg.source_text) + "-research", out_field(o.run));
  } catch (const std::invalid_argument& e) {
    throw core::ConfigError("--run", {{"run", e.what()}}, "invalid argument");
  }
}

// A fold this run already holds: skipped when it is of this plan, refused when it is another's.
bool fold_done(const std::string& run_dir, size_t k, const research::ResearchPlan& plan) {
  const auto done = research::read_fold_outcome(run_dir, k);
  if (!done) return false;
  if (done->config_hash != plan.config_hash || done->fold_count != plan.folds.size() || done->from_ms != plan.from_ms || done->to_ms != plan.to_ms)
    throw core::ConfigError("--run", {{"run", (fs::path(run_dir) / research::fold_dir_name(k) / "outcome.json").string() + " belongs to another run (config " +
                                                  done->config_hash + ", " + std::to_string(done->fold_count) + " folds, " + day(done->from_ms) + " → " +
                                                  day(done->to_ms) + "); choose a new --run name"}}, "refused");
  return true;
}

// Runs the folds not yet done in `jobs` processes, the folds dealt out in turn so that each
// process loads the data once for its share. Logs go to <run>/logs/worker-<i>.log; a worker
// that fails is named with its folds and its log's end.
void run_folds_in_processes(const ResearchOptions& o, const std::string& run_dir, const std::vector<size_t>& pending, size_t fold_count, unsigned jobs) {
  const fs::path logs = fs::path(run_dir) / "logs";
  fs::create_directories(logs);
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const auto argv_for = [&](const std::string& folds) {
    std::vector<std::string> a{self, "research", "walk-forward", "--config", o.run.config, "--out", fs::path(run_dir).parent_path().string(), "--run",
                               fs::path(run_dir).filename().string(), "--fold", folds, "--expect-folds", std::to_string(fold_count)};
    if (!o.run.klines.empty()) a.insert(a.end(), {"--data", o.run.klines});
    if (!o.run.from.empty()) a.insert(a.end(), {"--from", o.run.from});
    if (!o.run.to.empty()) a.insert(a.end(), {"--to", o.run.to});
    if (!o.run.symbols.empty()) {
      std::string list;
      for (const auto& s : o.run.symbols) list += (list.empty() ? "" : ",") + s;
      a.insert(a.end(), {"--symbols", list});
    }
    return a;
  };
  const size_t workers = std::min<size_t>(jobs, pending.size());
  std::map<pid_t, std::pair<size_t, std::string>> running;  // pid → worker, its folds
  for (size_t w = 0; w < workers; ++w) {
    std::string folds;
    for (size_t i = w; i < pending.size(); i += workers) folds += (folds.empty() ? "" : ",") + std::to_string(pending[i]);
    const auto log = logs / ("worker-" + std::to_string(w + 1) + ".log");
    std::cerr << "worker " << w + 1 << "/" << workers << ": folds " << folds << " of " << fold_count << " (log: " << log.string() << ")\n";
    running[spawn(argv_for(folds), log, {}, ProcessGroup::kParents)] = {w + 1, folds};
  }
  std::vector<std::string> failures;
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const auto [worker, folds] = it->second;
    running.erase(it);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::cerr << "worker " << worker << " (folds " << folds << "): " << (ok ? "done" : "FAILED") << "\n";
    if (!ok) {
      const auto code = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : "signal " + std::to_string(WTERMSIG(status));
      failures.push_back("worker " + std::to_string(worker) + " (folds " + folds + ", " + code + "), its log ends:\n" +
                         last_lines(logs / ("worker-" + std::to_string(worker) + ".log"), 6));
    }
  }
  if (!failures.empty()) {
    std::string all;
    for (const auto& f : failures) all += "  " + f;
    throw std::runtime_error(std::to_string(failures.size()) + " worker(s) failed; the folds that finished are kept in " + run_dir +
                             " and a re-run with --run " + fs::path(run_dir).filename().string() + " computes only the rest:\n" + all);
  }
}

// Reads every fold's outcome, merges and writes the report: the one way a report is made.
int merge_and_write(const config::AppConfig& cfg, const std::string& run_dir, size_t fold_count) {
  std::vector<research::FoldOutcome> folds;
  for (size_t k = 1; k <= fold_count; ++k) {
    auto outcome = research::read_fold_outcome(run_dir, k);
    if (!outcome) throw core::DataError((fs::path(run_dir) / research::fold_dir_name(k) / "outcome.json").string(), 0, "missing: the fold did not finish");
    folds.push_back(std::move(*outcome));
  }
  const auto report = research::merge_research(folds, cfg.research, cfg.source_text, run_dir);
  const std::string text = research::render_research(report);
  report::write_file((fs::path(run_dir) / "research.md").string(), text);
  report::write_file((fs::path(run_dir) / "config.yaml").string(), cfg.source_text);
  report::point_latest(cfg.output.dir, run_dir);
  std::cout << text << "\nwritten: " << (fs::path(run_dir) / "research.md").string() << " (models in fold-*/, the dataset in dataset.csv.gz)\n";
  return 0;
}

int run_walk_forward_research(const ResearchOptions& o) {
  if (!o.folds.empty() && o.run_name.empty())
    throw core::ConfigError("--fold", {{"run", "--fold needs --run NAME: the folder every fold of the run writes into"}}, "invalid argument");
  auto [cfg, loaded] = load_run(o.run);
  const auto plan = plan_or_refuse(cfg, o);
  if (o.list_folds) {
    std::cout << "folds: " << plan.folds.size() << " (" << day(plan.from_ms) << " → " << day(plan.to_ms) << ", config " << plan.config_hash << ")\n";
    for (size_t k = 0; k < plan.folds.size(); ++k) {
      const auto& f = plan.folds[k];
      std::cout << "  fold " << k + 1 << ": train " << day(f.train_from_ms) << " → " << day(f.train_to_ms) << ", test " << day(f.test_from_ms) << " → "
                << day(f.test_to_ms) << "\n";
    }
    return 0;
  }
  const std::string run_dir = run_folder(cfg, o, !o.run_name.empty());
  const auto say = [](const std::string& line) { std::cerr << line << "\n"; };
  const auto wanted = [&](size_t k) { return o.folds.empty() || std::find(o.folds.begin(), o.folds.end(), k) != o.folds.end(); };
  std::vector<size_t> pending;
  for (size_t k = 1; k <= plan.folds.size(); ++k)
    if (wanted(k) && !fold_done(run_dir, k, plan)) pending.push_back(k);
  // The dataset file comes with fold 1, whichever process computes it.
  const bool write_dataset = wanted(1) && !fs::exists(fs::path(run_dir) / "dataset.csv.gz");
  const unsigned jobs = o.jobs == 0 ? std::max(1u, std::thread::hardware_concurrency()) : o.jobs;
  if (o.folds.empty() && jobs > 1 && pending.size() > 1) {
    run_folds_in_processes(o, run_dir, pending, plan.folds.size(), jobs);
  } else if (!pending.empty() || write_dataset) {
    say("dataset: every signal and its path at " + std::to_string(plan.candidates.size()) + " leverages");
    const auto dataset = research::build_research_dataset(loaded.symbols, cfg.backtest, cfg.research, plan);
    if (write_dataset) research::write_research_dataset(run_dir, dataset);
    for (const size_t k : pending) research::run_fold(loaded.symbols, cfg.backtest, cfg.research, plan, dataset, k, run_dir, say);
  }
  if (!o.folds.empty()) {
    for (const size_t k : o.folds)
      std::cout << "fold " << k << "/" << plan.folds.size() << (std::find(pending.begin(), pending.end(), k) == pending.end() ? " was already done: " : " written: ")
                << (fs::path(run_dir) / research::fold_dir_name(k) / "outcome.json").string() << "\n";
    std::cout << "merge when every fold is done: fulcrum research merge --config " << o.run.config << " --out " << cfg.output.dir << " --run " << o.run_name
              << "\n";
    return 0;
  }
  return merge_and_write(cfg, run_dir, plan.folds.size());
}

// `research merge`: the report from the folds that other processes or pods wrote. Needs the
// config (its hash must be the folds'), not the data.
int run_merge(const ResearchOptions& o) {
  if (o.run_name.empty()) throw core::ConfigError("--run", {{"run", "is required: the run folder the folds wrote into"}}, "invalid argument");
  const auto cfg = resolve_config(o.run);
  // The run folder the folds write into, joined (made if no fold has made it yet): the name is
  // checked like any run's, so a merge never reads or writes outside the output root.
  const fs::path run_dir = run_folder(cfg, o, true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_seconds);
  size_t announced = 0;
  // Each finished fold's planned fold count, read once: an outcome.json, once there, stays as it is.
  std::map<size_t, size_t> planned;
  for (;;) {
    size_t fold_count = 0, done = 0;
    std::vector<size_t> missing;
    if (fs::is_directory(run_dir)) {
      for (const auto& entry : fs::directory_iterator(run_dir)) {
        const auto name = entry.path().filename().string();
        const auto digits = name.substr(std::min(name.size(), size_t{5}));
        if (name.rfind("fold-", 0) != 0 || digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
        const size_t k = std::stoul(digits);
        if (!planned.count(k))
          if (const auto outcome = research::read_fold_outcome(run_dir.string(), k)) planned[k] = outcome->fold_count;
      }
      for (const auto& [k, count] : planned) fold_count = std::max(fold_count, count);
      for (size_t k = 1; k <= fold_count; ++k) {
        if (fs::exists(run_dir / research::fold_dir_name(k) / "outcome.json")) ++done;
        else missing.push_back(k);
      }
    }
    if (fold_count > 0 && missing.empty()) return merge_and_write(cfg, run_dir.string(), fold_count);
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string list;
      for (const size_t k : missing) list += (list.empty() ? "" : ", ") + std::to_string(k);
      throw std::runtime_error("research merge: " + run_dir.string() +
                               (fold_count == 0 ? " holds no finished fold"
                                                : " holds " + std::to_string(done) + " of " + std::to_string(fold_count) + " folds; missing: " + list) +
                               (o.wait_seconds > 0 ? " after waiting " + std::to_string(o.wait_seconds) + " s" : " (--wait SECONDS to wait for them)"));
    }
    if (done != announced) std::cerr << "research merge: " << done << " of " << fold_count << " folds done; waiting\n", announced = done;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

void add_data_options(CLI::App* cmd, ResearchOptions& o) {
  cmd->add_option("-c,--config", o.run.config, "YAML config (its research: section holds folds, model and statistics)")->capture_default_str();
  cmd->add_option("-o,--out", o.run.out, "report root (overrides output.dir)");
  cmd->add_option("--run", o.run_name, "a run folder under the root that several processes share (the folds of one run)");
}

}  // namespace

Runner add_research_command(CLI::App& app) {
  auto opts = std::make_shared<ResearchOptions>();
  auto* research = app.add_subcommand("research", "Research that fits models: walk-forward with purging, baselines and statistics");
  research->require_subcommand(1);
  auto* cmd = research->add_subcommand("walk-forward", "Train trade_quality per fold, test it beside every baseline, judge it with confidence intervals");
  add_data_options(cmd, *opts);
  cmd->add_option("--data", opts->run.klines, "kline folder or file (overrides data.klines)");
  cmd->add_option("--symbols", opts->run.symbols, "symbols (default: all found)")->delimiter(',');
  cmd->add_option("--from", opts->run.from, "start of the research window, UTC date");
  cmd->add_option("--to", opts->run.to, "end of the research window, UTC date");
  cmd->add_option("--jobs", opts->jobs, "folds computed in this many processes at once; 0: one per core")->capture_default_str()->check(CLI::Range(0, 256));
  cmd->add_option("--fold", opts->folds, "compute these folds only (1-based, K or K,K,…) into --run's folder; `research merge` makes the report")
      ->delimiter(',')
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--expect-folds", opts->expect_folds, "refuse to start unless the plan has this many folds (a Job sized for it)")->check(CLI::Range(1, 100000));
  cmd->add_flag("--list-folds", opts->list_folds, "print the plan's folds and exit; writes nothing");
  auto* merge = research->add_subcommand("merge", "Make the report from the folds that `walk-forward --fold` wrote (separate processes or pods)");
  add_data_options(merge, *opts);
  merge->add_option("--wait", opts->wait_seconds, "wait up to this many seconds for every fold to finish")->capture_default_str()->check(CLI::Range(0, 7 * 86400));
  return [opts, merge] { return merge->parsed() ? run_merge(*opts) : run_walk_forward_research(*opts); };
}

}  // namespace fulcrum::cli
