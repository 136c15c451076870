#include "benchmarks/run_record.h"

#include "engine/model_info.h"
#include "results/provenance.h"

namespace lfm::bench {

StatusOr<results::RunRecord> BuildRunRecord(results::RunKind kind, const std::string& model_path,
                                            const std::string& backend,
                                            const std::string& threads) {
  LFM_ASSIGN_OR_RETURN(engine::ModelSummary summary, engine::SummarizeModelFile(model_path));
  results::RunRecord run;
  run.kind = kind;
  run.build = results::CurrentBuild();
  run.device = results::DetectDevice();
  run.model.name = engine::ShortModelName(summary);
  run.model.arch = summary.config.arch_name;
  run.model.quant = engine::QuantMix(summary);
  run.model.params = summary.total_params;
  LFM_RETURN_IF_ERROR(results::HashModelFile(model_path, summary.header_bytes, &run.model));
  run.backend = backend;
  run.threads = threads;
  run.command_line = results::CurrentCommandLine();
  return run;
}

std::map<std::string, std::string> OpBackends(const engine::Engine& engine) {
  std::map<std::string, std::string> ops;
  const std::string backend(engine.backend_name());
  ops["linear"] = backend;
  ops["experts"] = backend;
  for (const std::string& type : engine.fallback_types()) ops["linear:" + type] = "reference";
  return ops;
}

}  // namespace lfm::bench
