// lfmbench: one binary, one subcommand per task. Each area registers its own subcommands;
// nothing depends on this file.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "benchmarks/gate_command.h"
#include "benchmarks/perf_command.h"
#include "cli/demo.h"
#include "engine/generate_commands.h"
#include "engine/model_commands.h"
#include "engine/tokenize_command.h"
#include "evals/datasets_commands.h"
#include "evals/eval_commands.h"
#include "kernels/registry.h"
#include "lfm_build_info.h"
#include "results/results_commands.h"
#include "serve/serve_command.h"
#if LFM_HAVE_GUI
#include "gui/dashboard.h"
#endif

namespace {

std::string VersionText() {
  return fmt::format("lfmbench {} (commit {}{}, {} build, {})\nbackends: {}", LFM_VERSION,
                     LFM_GIT_COMMIT, LFM_GIT_DIRTY ? ", dirty" : "", LFM_BUILD_TYPE, LFM_COMPILER,
                     fmt::join(lfm::kernels::CompiledBackends(), ", "));
}

// The deepest subcommand CLI11 started parsing (`lfmbench eval run` -> run), and the command
// line naming it ("lfmbench eval run").
const CLI::App* ParsedCommand(const CLI::App& app, std::string& command) {
  const CLI::App* deepest = &app;
  command = app.get_name();
  for (auto parsed = app.get_subcommands(); !parsed.empty(); parsed = deepest->get_subcommands()) {
    deepest = parsed.front();
    command += " " + deepest->get_name();
  }
  return deepest;
}

// CLI11's own usage errors (a bad value, an unknown flag, a missing option, a failed check) as
// one line naming the command, the flag and the problem, like FailCommand's.
int PrintUsageError(const CLI::App& app, const CLI::ParseError& e) {
  std::string message = e.what();
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::string command;
  const CLI::App* failed = ParsedCommand(app, command);
  // CLI11 reports a mistyped command as a missing one: name the word it did not know.
  const std::vector<std::string> unused = failed->remaining();
  if (e.get_name() == "RequiredError" && message.find("subcommand") != std::string::npos &&
      !unused.empty()) {
    message = fmt::format("unknown command '{}'", unused.front());
  }
  fmt::print(stderr, "lfmbench: error: {}: {} (see {} --help)\n", command, message, command);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("lfmbench: benchmark and evaluation workbench for LFM2-8B-A1B", "lfmbench");
  app.set_version_flag("--version", VersionText());
  app.require_subcommand(1);
  lfm::cli::AddDemoCommand(app);
  lfm::engine::AddModelCommands(app);
  lfm::engine::AddTokenizeCommand(app);
  lfm::engine::AddGenerationCommands(app);
  lfm::bench::AddPerfCommand(app);
  lfm::bench::AddGateCommand(app);
  lfm::evals::AddEvalCommands(app);
  lfm::evals::AddDatasetsCommands(app);
  lfm::results::AddResultsCommands(app);
  lfm::serve::AddServeCommand(app);
#if LFM_HAVE_GUI
  lfm::gui::AddGuiCommands(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A command's own failure keeps its status (FailCommand: 1; gate: 1 regression, 2 error),
    // --help and --version print and exit 0; a usage error (unknown flag, bad value, missing
    // argument) exits 2, as getopt tools do.
    if (e.get_exit_code() == 0 || e.get_name() == "RuntimeError") return app.exit(e);
    return PrintUsageError(app, e);
  }
  return 0;
}
