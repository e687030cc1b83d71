// fulcrum: the trader's command line over the Fulcrum libraries.
#include <iostream>
#include <vector>

#include "commands.h"
#include "fulcrum/core/error.h"
#include "fulcrum/core/fixed_point.h"

int main(int argc, char** argv) {
  CLI::App app{"Fulcrum: dynamic-leverage research and trading for USDⓈ-M perpetuals"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, fulcrum::cli::Runner>> commands;
  auto add = [&](fulcrum::cli::Runner (*fn)(CLI::App&)) {
    const size_t before = app.get_subcommands({}).size();
    auto runner = fn(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(runner));
  };
  add(fulcrum::cli::add_backtest_command);
  add(fulcrum::cli::add_research_command);
  add(fulcrum::cli::add_calc_command);
  add(fulcrum::cli::add_download_command);
  add(fulcrum::cli::add_validate_command);
  add(fulcrum::cli::add_config_command);
  add(fulcrum::cli::add_up_command);
  add(fulcrum::cli::add_status_command);
  add(fulcrum::cli::add_ctl_command);
  add(fulcrum::cli::add_redis_acl_command);
  add(fulcrum::cli::add_exchange_command);
  app.set_version_flag("--version", std::string("fulcrum ") + FULCRUM_VERSION);
  // Usage errors exit 2, like every other bad input the user can fix (README: exit codes).
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    for (auto& [cmd, run] : commands)
      if (cmd->parsed()) return run();
  } catch (const fulcrum::core::ConfigError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const fulcrum::core::DataError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 3;
  } catch (const fulcrum::core::ArithmeticOverflow& e) {
    std::cerr << "error: a value is out of range: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
