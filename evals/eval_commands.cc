#include "evals/eval_commands.h"

#include "evals/creative_writing.h"
#include "evals/run_command.h"
#include "evals/score_command.h"

namespace lfm::evals {

void AddEvalCommands(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Run and score benchmark evaluations");
  eval->require_subcommand(1);
  AddEvalRunCommand(*eval);
  AddEvalScoreCommand(*eval);
  AddCreativeWritingCommand(*eval);
}

}  // namespace lfm::evals
