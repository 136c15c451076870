#include "evals/eval_commands.h"

#include "evals/score_command.h"

namespace lfm::evals {

void AddEvalCommands(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Run and score benchmark evaluations");
  eval->require_subcommand(1);
  AddEvalScoreCommand(*eval);
}

}  // namespace lfm::evals
