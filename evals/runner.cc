#include "evals/runner.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "base/progress.h"
#include "evals/sample_scorer.h"
#include "results/provenance.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

// A leaf task ready to run.
struct PreparedTask {
  const TaskSpec* spec = nullptr;
  std::unique_ptr<SampleScorer> scorer;
  TaskInstances data;
  std::set<int64_t> done;
};

// Every setting that changes a task's numbers, stored with its scores (eval_tasks.settings_json).
StatusOr<json> TaskSettings(const PreparedTask& t, const RunnerOptions& options, DocumentCache& data) {
  json settings = {{"task_version", t.spec->version},
                   {"num_fewshot", t.data.num_fewshot},
                   {"chat", options.chat},
                   {"fewshot_as_multiturn", false},
                   {"seed", options.seed},
                   {"output_type", OutputTypeName(t.spec->output_type)},
                   {"docs", t.data.instances.size()},
                   {"original_docs", t.data.original_docs}};
  settings["limit"] = options.limit ? json(*options.limit) : json(nullptr);
  if (t.spec->output_type == OutputType::kGenerateUntil) {
    settings["samples"] = options.samples;  // sample j drawn with seed + j
    const GenerationSpec g = WithGenKwargs(t.spec->generation, options.gen_kwargs);
    settings["generation"] = {{"until", g.until},         {"max_gen_toks", g.max_gen_toks},
                              {"do_sample", g.do_sample}, {"temperature", g.temperature},
                              {"top_p", g.top_p},         {"top_k", g.top_k},
                              {"min_p", g.min_p}};
  }
  json checksums = json::object();
  for (const std::string& split : {t.spec->test_split, t.spec->fewshot_split}) {
    if (split.empty() || !t.spec->dataset.count(split)) continue;
    const SplitSpec& spec = t.spec->dataset.at(split);
    LFM_ASSIGN_OR_RETURN(checksums[spec.file], data.FileSha256(spec));
  }
  settings["data_sha256"] = checksums;
  if (!t.spec->process_docs.is_null()) settings["process_docs"] = t.spec->process_docs;
  return settings;
}

// Sends one batch of instances to the model; one ModelOutput per instance, with `samples`
// completions of each generate_until instance (sample j seeded with the request's seed + j).
StatusOr<std::vector<ModelOutput>> CallModel(LanguageModel& model, OutputType type,
                                             const std::vector<const Instance*>& batch,
                                             int samples) {
  std::vector<ModelOutput> outputs(batch.size());
  switch (type) {
    case OutputType::kMultipleChoice:
    case OutputType::kLoglikelihood: {
      std::vector<LogLikelihoodRequest> requests;
      for (const Instance* inst : batch) {
        requests.insert(requests.end(), inst->loglikelihood.begin(), inst->loglikelihood.end());
      }
      LFM_ASSIGN_OR_RETURN(std::vector<LogLikelihoodResult> results, model.LogLikelihood(requests));
      size_t next = 0;
      for (size_t i = 0; i < batch.size(); ++i) {
        for (size_t j = 0; j < batch[i]->loglikelihood.size(); ++j) {
          outputs[i].loglikelihoods.push_back(results.at(next++));
        }
      }
      break;
    }
    case OutputType::kLoglikelihoodRolling: {
      std::vector<RollingRequest> requests;
      for (const Instance* inst : batch) requests.push_back(*inst->rolling);
      LFM_ASSIGN_OR_RETURN(std::vector<double> results, model.LogLikelihoodRolling(requests));
      for (size_t i = 0; i < batch.size(); ++i) outputs[i].rolling = results.at(i);
      break;
    }
    case OutputType::kGenerateUntil: {
      const size_t n = static_cast<size_t>(std::max(1, samples));
      std::vector<GenerationRequest> requests;
      for (const Instance* inst : batch) {
        for (size_t j = 0; j < n; ++j) {
          requests.push_back(*inst->generation);
          requests.back().seed += j;
        }
      }
      LFM_ASSIGN_OR_RETURN(std::vector<std::string> results, model.GenerateUntil(requests));
      for (size_t i = 0; i < batch.size(); ++i) {
        outputs[i].generation = results.at(i * n);
        if (n > 1) outputs[i].samples.assign(results.begin() + i * n, results.begin() + (i + 1) * n);
      }
      break;
    }
  }
  return outputs;
}

results::EvalSample MakeSample(int64_t run_id, const std::string& task, const Instance& inst,
                               const SampleScores& scores, bool display) {
  results::EvalSample s;
  s.run_id = run_id;
  s.task = task;
  s.doc_id = inst.doc_id;
  s.prompt_hash = results::Sha256Hex(inst.prompt);
  s.prompt = inst.prompt;
  s.target = inst.target;
  s.response = scores.response;
  // A model's text may hold invalid UTF-8 (a byte-level vocabulary), which an extraction can keep:
  // stored with U+FFFD in its place rather than failing the run.
  constexpr auto kReplace = json::error_handler_t::replace;
  s.extracted_json = scores.extracted.dump(-1, ' ', false, kReplace);
  s.scores_json = scores.scores.dump(-1, ' ', false, kReplace);
  s.passed = scores.passed;
  s.display_ok = display;
  return s;
}

// Multi-turn tasks: the prompts of `turn`'s pending documents, the model's chat template over
// the conversation so far — each earlier user turn followed by the stored reply to it.
Status ChainTurn(LanguageModel& model, results::ResultStore& store, int64_t run_id, PreparedTask& t,
                 int turn) {
  LFM_ASSIGN_OR_RETURN(std::vector<results::EvalSample> samples,
                       store.GetEvalSamples(run_id, t.spec->task, 0, INT64_MAX));
  std::map<int64_t, std::string> replies;
  for (const auto& s : samples) replies[s.doc_id] = s.response;
  for (Instance& inst : t.data.instances) {
    if (inst.turn != turn || t.done.count(inst.doc_id)) continue;
    std::vector<ChatMessage> messages;
    for (size_t i = 0; i < inst.earlier_turns.size(); ++i) {
      auto reply = replies.find(inst.earlier_turns[i]);
      if (reply == replies.end()) {
        return Error(StatusCode::kDataLoss, "doc {}: no stored reply to turn {} (doc {})",
                     inst.doc_id, i + 1, inst.earlier_turns[i]);
      }
      messages.push_back({"user", inst.user_turns.at(i)});
      messages.push_back({"assistant", reply->second});
    }
    messages.push_back({"user", inst.user_turns.at(inst.earlier_turns.size())});
    LFM_ASSIGN_OR_RETURN(inst.prompt,
                         model.ApplyChatTemplate(messages, /*add_generation_prompt=*/true));
    inst.generation->context = inst.prompt;
  }
  return OkStatus();
}

// lm-eval's pooled_sample_stderr: the standard error of the pooled sample, from the members'.
double PooledStderr(const std::vector<double>& stderrs, const std::vector<int64_t>& sizes) {
  double numerator = 0;
  double total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    numerator += static_cast<double>(sizes[i] - 1) * stderrs[i] * stderrs[i] * static_cast<double>(sizes[i]);
    total += static_cast<double>(sizes[i]);
  }
  return std::sqrt(numerator / (total - static_cast<double>(sizes.size())) / total);
}

// Task metrics from the stored samples (never from memory, so a resumed run agrees), and its
// report_by rows.
Status AggregateTask(results::ResultStore& store, int64_t run_id, const PreparedTask& t,
                     int bootstrap_iters, TaskResult& r) {
  LFM_ASSIGN_OR_RETURN(std::vector<results::EvalSample> samples,
                       store.GetEvalSamples(run_id, t.spec->task, 0, INT64_MAX));
  const std::vector<MetricKey>& keys = t.scorer->keys();
  std::vector<std::vector<json>> values(keys.size());
  std::map<int64_t, const json*> doc_of;
  for (const Instance& inst : t.data.instances) doc_of[inst.doc_id] = &inst.doc;
  std::vector<json> docs;
  for (const auto& s : samples) {
    json scores = json::parse(s.scores_json, nullptr, false);
    for (size_t k = 0; k < keys.size(); ++k) {
      if (scores.is_discarded() || !scores.contains(keys[k].Key())) {
        return Error(StatusCode::kDataLoss, "task {} doc {}: stored scores lack '{}'", t.spec->task,
                     s.doc_id, keys[k].Key());
      }
      values[k].push_back(scores[keys[k].Key()]);
    }
    const auto doc = doc_of.find(s.doc_id);
    docs.push_back(doc == doc_of.end() ? json::object() : *doc->second);
  }
  auto summarize = [&](const std::vector<size_t>* subset) -> StatusOr<std::vector<MetricResult>> {
    std::vector<MetricResult> metrics;
    for (size_t k = 0; k < keys.size(); ++k) {
      std::vector<json> xs;
      if (subset == nullptr) {
        xs = values[k];
      } else {
        for (size_t i : *subset) xs.push_back(values[k][i]);
      }
      if (xs.empty()) continue;
      auto summary = AggregateValues(keys[k], xs, bootstrap_iters);
      if (!summary.ok()) return summary.status().WithPrefix("task " + t.spec->task);
      metrics.push_back({keys[k].metric, keys[k].filter, summary->value, summary->stderr_value,
                         static_cast<int64_t>(summary->n), keys[k].higher_is_better});
    }
    return metrics;
  };
  LFM_ASSIGN_OR_RETURN(r.metrics, summarize(nullptr));
  if (!t.spec->multi_turn.empty()) {
    // Each metric per turn (filter "turnK") and per turn and language ("turnK/Language"), with
    // "overall", the mean of the metrics (Multi-IF's metrics_gen).
    for (const auto& [filter, positions] : GroupByTurn(docs)) {
      LFM_ASSIGN_OR_RETURN(std::vector<MetricResult> part, summarize(&positions));
      if (part.empty()) continue;
      MetricResult overall{"overall", filter, 0, std::nullopt, part[0].n, true};
      for (MetricResult& m : part) {
        m.filter = filter;
        overall.value += m.value / static_cast<double>(part.size());
      }
      part.push_back(overall);
      r.metrics.insert(r.metrics.end(), part.begin(), part.end());
    }
  }
  for (const auto& [label, positions] : GroupByFields(t.spec->report_by, docs)) {
    LFM_ASSIGN_OR_RETURN(std::vector<MetricResult> metrics, summarize(&positions));
    r.breakdown.emplace_back(label, std::move(metrics));
  }
  return OkStatus();
}

const MetricResult* FindMetric(const std::vector<MetricResult>& metrics, const std::string& metric,
                               const std::string& filter) {
  for (const auto& m : metrics) {
    if (m.metric == metric && m.filter == filter) return &m;
  }
  return nullptr;
}

// lm-eval's consolidate_group_results for one aggregate entry: the members that report the
// metric, combined by size-weighted or plain mean, with the pooled standard error.
std::optional<MetricResult> AggregateGroup(const GroupAggregate& a,
                                           const std::vector<const std::vector<MetricResult>*>& members,
                                           bool higher_is_better_default) {
  std::vector<double> values, stderrs;
  std::vector<int64_t> sizes;
  bool all_stderr = true;
  bool higher_is_better = higher_is_better_default;
  for (const auto* member : members) {
    const MetricResult* m = FindMetric(*member, a.metric, a.filter);
    if (!m) continue;
    values.push_back(m->value);
    sizes.push_back(m->n);
    higher_is_better = m->higher_is_better;
    if (m->stderr_value) {
      stderrs.push_back(*m->stderr_value);
    } else {
      all_stderr = false;
    }
  }
  if (values.empty()) return std::nullopt;
  MetricResult r;
  r.metric = a.name;
  r.filter = a.filter;
  r.higher_is_better = higher_is_better;
  double weighted = 0, weights = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const double w = a.weight_by_size ? static_cast<double>(sizes[i]) : 1.0;
    weighted += values[i] * w;
    weights += w;
    r.n += sizes[i];
  }
  r.value = weighted / weights;
  if (all_stderr && r.n > static_cast<int64_t>(sizes.size())) r.stderr_value = PooledStderr(stderrs, sizes);
  return r;
}

}  // namespace

std::string ResumeKey(const TaskRegistry& registry, const std::vector<std::string>& leaf_tasks,
                      const RunnerOptions& options) {
  json specs = json::object();
  for (const std::string& name : leaf_tasks) specs[name] = registry.FindTask(name)->config;
  json key = {
      {"model", options.model_identity},
      {"backend", options.run.backend},
      {"tasks", options.tasks},
      {"specs", specs},
      {"limit", options.limit ? json(*options.limit) : json(nullptr)},
      {"num_fewshot", options.num_fewshot ? json(*options.num_fewshot) : json(nullptr)},
      {"chat", options.chat},
      {"seed", options.seed},
      {"gen_kwargs", options.gen_kwargs},
  };
  if (options.samples > 1) key["samples"] = options.samples;  // n = 1 keeps earlier runs' keys
  return results::Sha256Hex(key.dump());
}

Status CheckSamplesAreDrawn(const TaskRegistry& registry, const RunnerOptions& options) {
  if (options.samples <= 1) return OkStatus();
  LFM_ASSIGN_OR_RETURN(std::vector<std::string> leaves, registry.ExpandToTasks(options.tasks));
  for (const std::string& name : leaves) {
    const TaskSpec& spec = *registry.FindTask(name);
    if (spec.output_type != OutputType::kGenerateUntil) continue;
    const GenerationSpec g = WithGenKwargs(spec.generation, options.gen_kwargs);
    if (!g.do_sample || g.temperature <= 0) {
      return Error(StatusCode::kInvalidArgument,
                   "--samples {}: task {} generates greedily, so every sample would be the same; "
                   "add sampling, e.g. --gen-kwargs do_sample=true,temperature=0.8,top_p=0.95",
                   options.samples, name);
    }
  }
  return OkStatus();
}

StatusOr<RunResult> RunEval(LanguageModel& model, const TaskRegistry& registry, DocumentCache& data,
                            results::ResultStore& store, const RunnerOptions& options) {
  LFM_ASSIGN_OR_RETURN(std::vector<std::string> leaves, registry.ExpandToTasks(options.tasks));
  LFM_RETURN_IF_ERROR(CheckSamplesAreDrawn(registry, options));
  // Everything that can fail on bad specs or data fails here, before the model runs.
  InstanceOptions instance_options;
  instance_options.limit = options.limit;
  instance_options.num_fewshot = options.num_fewshot;
  instance_options.fewshot_seed = options.seed;
  instance_options.gen_kwargs = options.gen_kwargs;
  instance_options.chat_model = options.chat ? &model : nullptr;
  std::vector<PreparedTask> tasks;
  for (const std::string& name : leaves) {
    PreparedTask t;
    t.spec = registry.FindTask(name);
    LFM_ASSIGN_OR_RETURN(t.scorer,
                         SampleScorer::Make(*t.spec, {data.data_dir(), options.code_jobs,
                                                      options.sandbox_isolation, options.samples,
                                                      options.chat}));
    LFM_ASSIGN_OR_RETURN(t.data, BuildInstances(*t.spec, data, instance_options));
    tasks.push_back(std::move(t));
  }

  RunResult result;
  results::RunRecord run = options.run;
  run.kind = results::RunKind::kEval;
  run.resume_key = ResumeKey(registry, leaves, options);
  LFM_ASSIGN_OR_RETURN(std::optional<int64_t> previous, store.FindResumableRun(run.resume_key));
  if (previous) {
    LFM_RETURN_IF_ERROR(store.ResumeRun(*previous));
    result.run_id = *previous;
  } else {
    LFM_ASSIGN_OR_RETURN(result.run_id, store.BeginRun(run));
  }
  int64_t pending = 0;
  for (PreparedTask& t : tasks) {
    results::EvalTask record;
    record.run_id = result.run_id;
    record.task = t.spec->task;
    record.task_version = t.spec->version;
    record.n_shot = t.data.num_fewshot;
    LFM_ASSIGN_OR_RETURN(json settings, TaskSettings(t, options, data));
    record.settings_json = settings.dump();
    LFM_RETURN_IF_ERROR(store.AddEvalTask(record));
    LFM_ASSIGN_OR_RETURN(t.done, store.DoneEvalSamples(result.run_id, t.spec->task));
    result.samples_resumed += static_cast<int64_t>(t.done.size());
    pending += static_cast<int64_t>(t.data.instances.size() - t.done.size());
  }

  // Score every pending document; each sample is committed as soon as it is scored.
  model.SetCancelFlag(options.cancel);
  std::unique_ptr<Progress> progress;
  if (options.show_progress && pending > 0) progress = std::make_unique<Progress>("eval", pending, "samples");
  auto cancelled = [&] {
    return (options.cancel && options.cancel->load()) ||
           (options.stop_after_samples > 0 && result.samples_scored >= options.stop_after_samples);
  };
  auto fail = [&](const Status& status) {
    model.SetCancelFlag(nullptr);
    (void)store.FinishRun(result.run_id, results::RunStatus::kFailed, status.message());
    return status;
  };
  bool stopped = false;
  // Multi-turn tasks run turn by turn: turn k's prompts are made once every turn < k is stored.
  std::vector<std::pair<PreparedTask*, int>> passes;
  for (PreparedTask& t : tasks) {
    int turns = 1;
    for (const Instance& inst : t.data.instances) turns = std::max(turns, inst.turn + 1);
    for (int turn = 0; turn < turns; ++turn) passes.push_back({&t, turn});
  }
  for (auto [task, turn] : passes) {
    PreparedTask& t = *task;
    if (!t.spec->multi_turn.empty() && !cancelled()) {
      Status chained = ChainTurn(model, store, result.run_id, t, turn);
      if (!chained.ok()) return fail(chained.WithPrefix("task " + t.spec->task));
    }
    std::vector<const Instance*> todo;
    for (const Instance& inst : t.data.instances) {
      if (inst.turn == turn && !t.done.count(inst.doc_id)) todo.push_back(&inst);
    }
    for (size_t start = 0; start < todo.size() && !stopped; start += options.batch_size) {
      if (cancelled()) {
        stopped = true;
        break;
      }
      const size_t end = std::min(todo.size(), start + static_cast<size_t>(options.batch_size));
      std::vector<const Instance*> batch(todo.begin() + start, todo.begin() + end);
      auto outputs = CallModel(model, t.spec->output_type, batch, options.samples);
      if (!outputs.ok()) {
        if (outputs.status().code() == StatusCode::kCancelled) {
          stopped = true;
          break;
        }
        return fail(outputs.status().WithPrefix("task " + t.spec->task));
      }
      std::vector<StatusOr<SampleScores>> batch_scores = t.scorer->ScoreBatch(batch, *outputs);
      for (size_t i = 0; i < batch.size(); ++i) {
        StatusOr<SampleScores>& scores = batch_scores[i];
        if (!scores.ok()) return fail(scores.status().WithPrefix(fmt::format("task {} doc {}", t.spec->task, batch[i]->doc_id)));
        Status stored = store.AddEvalSample(MakeSample(result.run_id, t.spec->task, *batch[i], *scores, t.spec->display_samples));
        if (!stored.ok()) return fail(stored);
        ++result.samples_scored;
        if (progress) progress->Advance();
      }
    }
    if (stopped) break;
  }
  model.SetCancelFlag(nullptr);
  if (progress) progress->Finish();
  if (stopped) {
    LFM_RETURN_IF_ERROR(store.FinishRun(result.run_id, results::RunStatus::kIncomplete));
    return result;
  }

  // Task metrics, then groups bottom-up, all from the store.
  std::map<std::string, const std::vector<MetricResult>*> metrics_of;
  result.tasks.reserve(tasks.size());
  for (const PreparedTask& t : tasks) {
    TaskResult r;
    r.name = t.spec->task;
    r.alias = t.spec->task_alias.empty() ? t.spec->task : t.spec->task_alias;
    r.version = t.spec->version;
    r.num_fewshot = t.data.num_fewshot;
    r.original_docs = t.data.original_docs;
    r.effective_docs = static_cast<int64_t>(t.data.instances.size());
    r.config = t.spec->config;
    LFM_RETURN_IF_ERROR(AggregateTask(store, result.run_id, t, options.bootstrap_iters, r));
    result.tasks.push_back(std::move(r));
  }
  for (const TaskResult& r : result.tasks) metrics_of[r.name] = &r.metrics;

  std::vector<std::string> group_order;  // parents before children
  std::set<std::string> seen;
  std::function<void(const std::string&)> collect = [&](const std::string& name) {
    const GroupSpec* g = registry.FindGroup(name);
    if (!g || !seen.insert(name).second) return;
    group_order.push_back(name);
    for (const std::string& member : registry.GroupMembers(*g)) collect(member);
  };
  for (const std::string& name : options.tasks) collect(name);
  std::map<std::string, GroupResult> groups;
  for (auto it = group_order.rbegin(); it != group_order.rend(); ++it) {  // children first
    const GroupSpec* g = registry.FindGroup(*it);
    GroupResult r;
    r.name = g->group;
    r.alias = g->group_alias.empty() ? g->group : g->group_alias;
    r.version = g->version;
    r.members = registry.GroupMembers(*g);
    for (const GroupAggregate& a : g->aggregates) {
      std::vector<const std::vector<MetricResult>*> members;
      const std::vector<std::string> names =
          a.over_tasks ? *registry.ExpandToTasks({g->group}) : r.members;
      for (const std::string& m : names) {
        if (metrics_of.count(m)) members.push_back(metrics_of[m]);
      }
      if (auto m = AggregateGroup(a, members, true)) r.metrics.push_back(*m);
    }
    groups[r.name] = std::move(r);
    metrics_of[*it] = &groups[*it].metrics;
  }
  for (const std::string& name : group_order) result.groups.push_back(groups[name]);

  auto store_scores = [&](const std::string& name, bool is_group, const std::vector<MetricResult>& metrics) -> Status {
    for (const MetricResult& m : metrics) {
      results::EvalScore score;
      score.run_id = result.run_id;
      score.name = name;
      score.is_group = is_group;
      score.metric = m.metric;
      score.filter = m.filter;
      score.value = m.value;
      score.std_error = m.stderr_value;
      score.n = m.n;
      score.higher_is_better = m.higher_is_better;
      LFM_RETURN_IF_ERROR(store.AddEvalScore(score));
    }
    return OkStatus();
  };
  for (const TaskResult& r : result.tasks) {
    LFM_RETURN_IF_ERROR(store_scores(r.name, false, r.metrics));
    for (const auto& [label, metrics] : r.breakdown) {
      LFM_RETURN_IF_ERROR(store_scores(r.name + "/" + label, false, metrics));
    }
  }
  for (const GroupResult& r : result.groups) LFM_RETURN_IF_ERROR(store_scores(r.name, true, r.metrics));
  LFM_RETURN_IF_ERROR(store.FinishRun(result.run_id, results::RunStatus::kComplete));
  result.complete = true;
  return result;
}

}  // namespace lfm::evals
