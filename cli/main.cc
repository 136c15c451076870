// lfmbench: one binary, one subcommand per task. Each area registers its own subcommands;
// nothing depends on this file.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

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
    // A command's own failure keeps its status (FailCommand: 1; gate: 1 regression, 2 error);
    // a usage error (unknown flag, bad value, missing argument) exits 2, as getopt tools do.
    const int status = app.exit(e);
    return status == 0 || e.get_name() == "RuntimeError" ? status : 2;
  }
  return 0;
}
