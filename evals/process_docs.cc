#include "evals/process_docs.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <optional>

#include "evals/code/code_tasks.h"
#include "evals/python_random.h"
#include "evals/scoring/config.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

// lm-eval gpqa utils.preprocess: strip, " [title]" -> ". ", "  " -> " ".
std::string GpqaPreprocess(std::string text) {
  text = PyStrip(text);
  text = PyReplace(text, " [title]", ". ");
  return PyReplace(text, "  ", " ");
}

Status Gpqa(const json& config, const std::string& /*data_dir*/, std::vector<json>& docs) {
  const uint64_t seed = static_cast<uint64_t>(config.value("seed", int64_t{0}));
  PythonRandom rng(seed);
  static const char* kColumns[] = {"Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                                   "Incorrect Answer 3"};
  for (size_t i = 0; i < docs.size(); ++i) {
    json& doc = docs[i];
    std::vector<std::string> options;
    for (const char* column : {"Question", kColumns[0], kColumns[1], kColumns[2], kColumns[3]}) {
      if (!doc.contains(column) || !doc[column].is_string()) {
        return Error(StatusCode::kInvalidArgument,
                     "GPQA row {}: no '{}' column (the official CSV's columns are Question, "
                     "Correct Answer, Incorrect Answer 1..3)",
                     i + 1, column);
      }
    }
    const std::vector<uint64_t> order = rng.Sample(4, 4);
    json choices = json::array();
    for (size_t slot = 0; slot < 4; ++slot) {
      choices.push_back(GpqaPreprocess(doc[kColumns[order[slot]]].get<std::string>()));
      if (order[slot] == 0) doc["answer"] = fmt::format("({})", static_cast<char>('A' + slot));
    }
    doc["choices"] = std::move(choices);
  }
  return OkStatus();
}

// livecodebench: the problems whose contest date falls in start_date..end_date (YYYY-MM-DD,
// inclusive, as lcb_runner's --start_date/--end_date; "" = open), with the prompt's format part
// and, for prompt: base, the base-model prompt.
Status LiveCodeBench(const json& config, const std::string& data_dir, std::vector<json>& docs) {
  const std::string prompt = config.value("prompt", "chat");
  std::optional<code::LcbFewShot> fewshot;
  if (prompt == "base") {
    LFM_ASSIGN_OR_RETURN(fewshot, code::LoadLcbFewShot(data_dir));
  } else if (prompt != "chat") {
    return Error(StatusCode::kInvalidArgument,
                 "process_docs: livecodebench 'prompt' is chat or base, got '{}'", prompt);
  }
  auto prepared = code::PrepareLcbDocs(std::move(docs), config.value("start_date", ""),
                                       config.value("end_date", ""), fewshot ? &*fewshot : nullptr);
  if (!prepared.ok()) return prepared.status();
  docs = std::move(prepared).value();
  return OkStatus();
}

struct Transform {
  std::vector<std::string> options;  // besides "function"
  std::function<Status(const json&, const std::string&, std::vector<json>&)> apply;
};

const std::map<std::string, Transform>& ProcessDocsRegistry() {
  static const auto* registry = new std::map<std::string, Transform>{
      {kGpqaProcessDocs, {{"seed"}, Gpqa}},
      {"livecodebench", {{"start_date", "end_date", "prompt"}, LiveCodeBench}},
  };
  return *registry;
}

}  // namespace

Status CheckProcessDocs(const json& config) {
  const std::string what = "process_docs";
  if (!config.is_object()) {
    return Error(StatusCode::kInvalidArgument, "{}: expected {{function: NAME, ...}}, got {}", what,
                 config.dump());
  }
  LFM_ASSIGN_OR_RETURN(std::string name, GetString(config, what, "function", ""));
  const auto it = ProcessDocsRegistry().find(name);
  if (it == ProcessDocsRegistry().end()) {
    std::vector<std::string> names;
    for (const auto& [known, t] : ProcessDocsRegistry()) names.push_back(known);
    return Error(StatusCode::kInvalidArgument, "{}: unknown function '{}'{}", what, name,
                 DidYouMean(name, names));
  }
  std::vector<std::string> allowed = it->second.options;
  allowed.push_back("function");
  LFM_RETURN_IF_ERROR(CheckKeys(config, what, allowed));
  if (config.contains("seed") &&
      (!config["seed"].is_number_integer() || config["seed"].get<int64_t>() < 0)) {
    return Error(StatusCode::kInvalidArgument, "{}: 'seed' must be a non-negative integer, got {}",
                 what, config["seed"].dump());
  }
  return OkStatus();
}

Status ApplyProcessDocs(const json& config, const std::string& data_dir, std::vector<json>& docs) {
  LFM_RETURN_IF_ERROR(CheckProcessDocs(config));
  return ProcessDocsRegistry().at(config["function"].get<std::string>()).apply(config, data_dir, docs);
}

}  // namespace lfm::evals
