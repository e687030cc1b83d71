#pragma once
// The one YAML config of `fulcrum backtest`. Every knob has a default; unknown keys,
// wrong types and out-of-range values are all reported together as a core::ConfigError
// naming each field path.
#include <map>
#include <string>

#include "fulcrum/backtest/data_loader.h"
#include "fulcrum/backtest/engine.h"

namespace fulcrum::config {

struct OutputConfig {
  std::string dir = "out/backtest";
};

struct AppConfig {
  backtest::DataSources data;
  backtest::BacktestConfig backtest;
  model::InstrumentSpec default_instrument;
  std::map<std::string, model::InstrumentSpec> instruments;
  OutputConfig output;
  std::string source;  // file the config came from

  model::InstrumentSpec spec_for(const std::string& symbol) const;
};

// Relative paths in the file are taken relative to the file's folder.
AppConfig load_app_config(const std::string& path);
AppConfig parse_app_config(const std::string& yaml_text, const std::string& source, const std::string& base_dir);
// The defaults, as a config with no keys would give (data paths empty).
AppConfig default_app_config();

}  // namespace fulcrum::config
