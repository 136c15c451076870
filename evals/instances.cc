#include "evals/instances.h"

#include <charconv>
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "evals/process_docs.h"
#include "evals/python_random.h"
#include "evals/sha256.h"
#include "evals/scoring/ifeval/multi_if.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

std::string FieldText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool IsDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

StatusOr<std::vector<std::string>> Choices(const TaskSpec& task, const json& doc) {
  std::vector<std::string> choices;
  if (task.doc_to_choice_is_list_expression) {
    LFM_ASSIGN_OR_RETURN(json list, task.doc_to_choice[0].Evaluate(doc));
    if (!list.is_array()) {
      return Error(StatusCode::kInvalidArgument, "doc_to_choice '{}' gave a {}, not a list",
                   task.doc_to_choice[0].source(), list.type_name());
    }
    for (const json& c : list) choices.push_back(FieldText(c));
  } else {
    for (const PromptTemplate& t : task.doc_to_choice) {
      LFM_ASSIGN_OR_RETURN(std::string c, t.Render(doc));
      choices.push_back(std::move(c));
    }
  }
  return choices;
}

// The value of a string of digits; SIZE_MAX when it does not fit (so it is never a valid index).
size_t DigitsValue(const std::string& digits) {
  size_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc() ? value : SIZE_MAX;
}

// lm-eval's doc_to_target: with choices, a target of digits is an index into them.
StatusOr<std::string> TargetText(const TaskSpec& task, const PromptTemplate& tmpl, const json& doc) {
  LFM_ASSIGN_OR_RETURN(std::string target, tmpl.Render(doc));
  if (task.doc_to_choice.empty() || !IsDigits(target)) return target;
  LFM_ASSIGN_OR_RETURN(std::vector<std::string> choices, Choices(task, doc));
  const size_t index = DigitsValue(target);
  if (index >= choices.size()) {
    return Error(StatusCode::kInvalidArgument, "target index {} but only {} choices", index,
                 choices.size());
  }
  return choices[index];
}

StatusOr<size_t> GoldIndex(const std::string& target, const std::vector<std::string>& choices) {
  if (IsDigits(target)) {
    const size_t index = DigitsValue(target);
    if (index < choices.size()) return index;
    return Error(StatusCode::kInvalidArgument, "target index {} but only {} choices", index,
                 choices.size());
  }
  auto it = std::find(choices.begin(), choices.end(), target);
  if (it == choices.end()) {
    return Error(StatusCode::kInvalidArgument, "target '{}' is not one of the choices", target);
  }
  return static_cast<size_t>(it - choices.begin());
}

// ContextSampler.get_context: exemplars, each "text + target_delimiter + target +
// fewshot_delimiter" (an exemplar with an empty target contributes its text alone).
StatusOr<std::string> FewshotBlock(const TaskSpec& task, const std::vector<const json*>& exemplars) {
  const PromptTemplate& text_tmpl = task.fewshot.doc_to_text ? *task.fewshot.doc_to_text : task.doc_to_text;
  const PromptTemplate& target_tmpl =
      task.fewshot.doc_to_target ? *task.fewshot.doc_to_target : task.doc_to_target;
  std::string block;
  for (const json* ex : exemplars) {
    LFM_ASSIGN_OR_RETURN(std::string text, text_tmpl.Render(*ex));
    auto target = TargetText(task, target_tmpl, *ex);
    if (!target.ok()) return target.status().WithPrefix("few-shot exemplar");
    block += text;
    if (!target->empty()) block += task.target_delimiter + *target + task.fewshot_delimiter;
  }
  return block;
}

StatusOr<std::string> ChatPrompt(const LanguageModel& model, const std::string& description,
                                 const std::string& user) {
  std::vector<ChatMessage> messages;
  if (!description.empty()) messages.push_back({"system", description});
  messages.push_back({"user", user});
  return model.ApplyChatTemplate(messages, /*add_generation_prompt=*/true);
}

GenerationRequest MakeGeneration(const GenerationSpec& g, const std::string& prompt, uint64_t seed) {
  GenerationRequest r;
  r.context = prompt;
  r.until = g.until;
  r.max_tokens = g.max_gen_toks;
  r.do_sample = g.do_sample;
  r.temperature = g.temperature;
  r.top_p = g.top_p;
  r.top_k = g.top_k;
  r.min_p = g.min_p;
  r.seed = seed;
  return r;
}

StatusOr<Instance> BuildOne(const TaskSpec& task, const json& doc, int64_t doc_id,
                            const std::string& fewshot_block, const InstanceOptions& options) {
  Instance inst;
  inst.doc_id = doc_id;
  inst.doc = doc;
  std::string description;
  if (task.description) {
    LFM_ASSIGN_OR_RETURN(description, task.description->Render(doc));
  }
  LFM_ASSIGN_OR_RETURN(std::string question, task.doc_to_text.Render(doc));
  if (options.chat_model) {
    LFM_ASSIGN_OR_RETURN(inst.prompt, ChatPrompt(*options.chat_model, description, fewshot_block + question));
  } else {
    inst.prompt = description + fewshot_block + question;
  }
  if (task.gen_prefix) {
    LFM_ASSIGN_OR_RETURN(std::string prefix, task.gen_prefix->Render(doc));
    inst.prompt += (options.chat_model ? "" : task.target_delimiter) + prefix;
  }
  LFM_ASSIGN_OR_RETURN(inst.target, task.doc_to_target.Render(doc));
  switch (task.output_type) {
    case OutputType::kMultipleChoice: {
      LFM_ASSIGN_OR_RETURN(inst.choices, Choices(task, doc));
      LFM_ASSIGN_OR_RETURN(inst.gold_index, GoldIndex(inst.target, inst.choices));
      inst.target = inst.choices[*inst.gold_index];
      const std::string delimiter = options.chat_model ? "" : task.target_delimiter;
      for (const std::string& choice : inst.choices) {
        inst.loglikelihood.push_back({inst.prompt, delimiter + choice});
      }
      break;
    }
    case OutputType::kLoglikelihood:
      inst.loglikelihood.push_back({inst.prompt, inst.target});
      break;
    case OutputType::kLoglikelihoodRolling:
      inst.rolling = RollingRequest{inst.target};
      break;
    case OutputType::kGenerateUntil:
      inst.generation = MakeGeneration(WithGenKwargs(task.generation, options.gen_kwargs), inst.prompt,
                                       options.fewshot_seed);
      break;
  }
  return inst;
}

}  // namespace

StatusOr<std::string> DocumentCache::FileSha256(const SplitSpec& split) {
  const std::string path = (std::filesystem::path(data_dir_) / split.file).string();
  auto it = sha256_.find(path);
  if (it == sha256_.end()) {
    LFM_ASSIGN_OR_RETURN(std::string digest, Sha256File(path));
    it = sha256_.emplace(path, std::move(digest)).first;
  }
  return it->second;
}

StatusOr<std::vector<json>> DocumentCache::Split(const SplitSpec& split, const std::string& benchmark) {
  const std::string path = (std::filesystem::path(data_dir_) / split.file).string();
  const std::string key = fmt::format("{}|{}|{}|{}|{}|{}", path, DataFormatName(split.read.format),
                                      split.read.header, fmt::join(split.read.columns, ","),
                                      split.read.records_path, split.read.key_field);
  auto it = files_.find(key);
  if (it == files_.end()) {
    auto records = ReadRecords(path, split.read);
    if (!records.ok()) {
      if (records.status().code() == StatusCode::kNotFound && !benchmark.empty()) {
        return Error(StatusCode::kNotFound,
                     "{} (get it with `lfmbench datasets fetch {} --to {}`, or point --data-dir at "
                     "a copy)",
                     records.status().message(), benchmark, data_dir_);
      }
      return records.status();
    }
    it = files_.emplace(key, std::make_shared<const std::vector<json>>(std::move(records).value())).first;
  }
  std::vector<json> selected;
  for (const json& record : *it->second) {
    bool keep = true;
    for (const auto& [field, value] : split.where) {
      if (!record.contains(field) || FieldText(record[field]) != value) {
        keep = false;
        break;
      }
    }
    if (keep) selected.push_back(record);
  }
  if (selected.empty()) {
    return Error(StatusCode::kDataLoss, "{}: no records{}", path,
                 split.where.empty() ? "" : " match the task's `where`");
  }
  return selected;
}

StatusOr<TaskInstances> BuildInstances(const TaskSpec& task, DocumentCache& cache,
                                       const InstanceOptions& options) {
  const std::string where = "task " + task.task;
  auto test_docs = cache.Split(task.dataset.at(task.test_split), task.benchmark);
  if (!test_docs.ok()) return test_docs.status().WithPrefix(where);
  TaskInstances out;
  if (!task.process_docs.is_null()) {
    LFM_RETURN_IF_ERROR(ApplyProcessDocs(task.process_docs, cache.data_dir(), *test_docs).WithPrefix(where));
  }
  out.original_docs = static_cast<int64_t>(test_docs->size());
  if (options.limit && *options.limit < out.original_docs) test_docs->resize(*options.limit);
  out.num_fewshot = options.num_fewshot.value_or(task.num_fewshot);
  const size_t k = static_cast<size_t>(out.num_fewshot);

  std::vector<json> fewshot_docs;
  const bool same_split = !task.fewshot_split.empty() && task.fewshot_split == task.test_split;
  if (k > 0) {
    if (!task.fewshot_split.empty()) {
      auto docs = cache.Split(task.dataset.at(task.fewshot_split), task.benchmark);
      if (!docs.ok()) return docs.status().WithPrefix(where);
      fewshot_docs = std::move(docs).value();
      if (!task.process_docs.is_null()) {
        LFM_RETURN_IF_ERROR(ApplyProcessDocs(task.process_docs, cache.data_dir(), fewshot_docs).WithPrefix(where));
      }
    } else {
      fewshot_docs = task.fewshot.samples;
    }
    const size_t needed = same_split ? k + 1 : k;
    if (fewshot_docs.empty() || needed > fewshot_docs.size()) {
      return Error(StatusCode::kInvalidArgument, "{}: {}-shot needs {} few-shot documents, the task has {}",
                   where, k, needed, fewshot_docs.size());
    }
  }

  if (!task.multi_turn.empty()) {  // "multi_if", the one expansion (task_spec.cc)
    if (k > 0) return Error(StatusCode::kInvalidArgument, "{}: multi-turn tasks are 0-shot", where);
    for (size_t i = 0; i < test_docs->size(); ++i) {
      auto turns = ifeval::MultiIfTurnDocs((*test_docs)[i]);
      if (!turns.ok()) return turns.status().WithPrefix(fmt::format("{} doc {}", where, i));
      for (size_t t = 0; t < turns->size(); ++t) {
        Instance inst;
        inst.doc_id = static_cast<int64_t>(i) * kMaxTurns + static_cast<int64_t>(t);
        inst.doc = std::move((*turns)[t]);
        inst.turn = static_cast<int>(t);
        inst.user_turns = inst.doc["user_turns"].get<std::vector<std::string>>();
        for (size_t e = 0; e < t; ++e) inst.earlier_turns.push_back(inst.doc_id - static_cast<int64_t>(t - e));
        LFM_ASSIGN_OR_RETURN(inst.target, task.doc_to_target.Render(inst.doc));
        inst.generation =
            MakeGeneration(WithGenKwargs(task.generation, options.gen_kwargs), "", options.fewshot_seed);
        out.instances.push_back(std::move(inst));
      }
    }
    return out;
  }

  // fewshot_config.match: the pool of each value of the field, in file order.
  std::map<std::string, std::vector<const json*>> pools;
  std::vector<const json*> whole_pool;
  for (const json& d : fewshot_docs) {
    whole_pool.push_back(&d);
    if (!task.fewshot.match.empty() && d.contains(task.fewshot.match)) {
      pools[FieldText(d[task.fewshot.match])].push_back(&d);
    }
  }

  PythonRandom rng(options.fewshot_seed);
  for (size_t i = 0; i < test_docs->size(); ++i) {
    const json& doc = (*test_docs)[i];
    std::string block;
    if (k > 0) {
      const std::vector<const json*>* pool = &whole_pool;
      if (!task.fewshot.match.empty()) {
        const auto it = doc.contains(task.fewshot.match)
                            ? pools.find(FieldText(doc[task.fewshot.match]))
                            : pools.end();
        static const std::vector<const json*> kNone;
        pool = it == pools.end() ? &kNone : &it->second;
      }
      const size_t n_samples = same_split ? k + 1 : k;
      if (pool->size() < n_samples) {
        return Error(StatusCode::kInvalidArgument,
                     "{} doc {}: {}-shot needs {} few-shot documents with the same '{}', found {}",
                     where, i, k, n_samples, task.fewshot.match, pool->size());
      }
      std::vector<uint64_t> drawn;
      if (task.fewshot.sampler == "first_n") {
        for (size_t j = 0; j < n_samples; ++j) drawn.push_back(j);
      } else {
        drawn = rng.Sample(pool->size(), n_samples);
      }
      std::vector<const json*> exemplars;
      for (uint64_t j : drawn) {
        if (*(*pool)[j] != doc && exemplars.size() < k) exemplars.push_back((*pool)[j]);
      }
      auto built = FewshotBlock(task, exemplars);
      if (!built.ok()) return built.status().WithPrefix(fmt::format("{} doc {}", where, i));
      block = std::move(built).value();
    }
    auto inst = BuildOne(task, doc, static_cast<int64_t>(i), block, options);
    if (!inst.ok()) return inst.status().WithPrefix(fmt::format("{} doc {}", where, i));
    out.instances.push_back(std::move(inst).value());
  }
  return out;
}

}  // namespace lfm::evals
