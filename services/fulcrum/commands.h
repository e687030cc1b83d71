#pragma once
// Each sub-command registers its options on the CLI11 app and runs when chosen.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace fulcrum::cli {
using Runner = std::function<int()>;
Runner add_backtest_command(CLI::App& app);
Runner add_research_command(CLI::App& app);
Runner add_calc_command(CLI::App& app);
Runner add_download_command(CLI::App& app);
Runner add_validate_command(CLI::App& app);
Runner add_config_command(CLI::App& app);
Runner add_up_command(CLI::App& app);
Runner add_status_command(CLI::App& app);
Runner add_ctl_command(CLI::App& app);
Runner add_redis_acl_command(CLI::App& app);
Runner add_exchange_command(CLI::App& app);
// The state files of the `fulcrum up` runs alive now (up_command.cpp).
std::vector<std::string> live_state_files();
}  // namespace fulcrum::cli
