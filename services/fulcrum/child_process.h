#pragma once
// Child processes of the command line (the mesh's services under `fulcrum up`, walk-forward
// folds under `fulcrum research walk-forward --jobs`): started with their output in a log.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fulcrum::cli {

enum class ProcessGroup { kOwn, kParents };

// Starts argv[0] (a path) with stdout and stderr appended to `log`. `env`: "NAME=value" set in
// the child only (a secret stays out of argv, so out of `ps`). kOwn: Ctrl-C reaches only the
// parent, which stops the child itself; kParents: Ctrl-C reaches both.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log, const std::vector<std::string>& env = {},
            ProcessGroup group = ProcessGroup::kOwn);

// The last n lines of a log, each indented, for an error message.
std::string last_lines(const std::filesystem::path& log, size_t n);

}  // namespace fulcrum::cli
