#pragma once
// Each sub-command registers its options on the CLI11 app and runs when chosen.
#include <CLI/CLI.hpp>
#include <functional>

namespace fulcrum::cli {
using Runner = std::function<int()>;
Runner add_backtest_command(CLI::App& app);
Runner add_calc_command(CLI::App& app);
Runner add_download_command(CLI::App& app);
Runner add_validate_command(CLI::App& app);
Runner add_config_command(CLI::App& app);
Runner add_up_command(CLI::App& app);
Runner add_status_command(CLI::App& app);
}  // namespace fulcrum::cli
