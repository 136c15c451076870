#include "evals/creative_writing.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/cli.h"
#include "base/progress.h"
#include "evals/data_dir.h"
#include "evals/model_source.h"
#include "evals/python_random.h"
#include "evals/remote_model.h"
#include "evals/scoring/py_regex.h"
#include "results/provenance.h"
#include "results/result_store.h"

namespace lfm::evals {
namespace {

using nlohmann::json;

constexpr const char* kTask = "creative_writing_v3";
constexpr double kMaxScore = 20;  // the rubric's scale is 0-20
constexpr int kBootstrapResamples = 500;

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(StatusCode::kNotFound, "{}: cannot read", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Non-empty stripped lines.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    lines.push_back(line.substr(b, line.find_last_not_of(" \t\r") + 1 - b));
  }
  return lines;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

std::atomic<bool> g_interrupted{false};
extern "C" void OnCreativeWritingInterrupt(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);
}

struct CreativeArgs {
  engine::EngineOptions engine;
  RemoteArgs remote;
  RemoteArgs judge;
  int iterations = 3;
  int limit = 0;  // prompts; 0 = all 32
  int max_tokens = 4000;
  int min_chars = 500;
  int attempts = 3;
  std::string db = results::kDefaultDbPath;
  std::string data_dir;
  std::string tag;
  bool quiet = false;
};

}  // namespace

StatusOr<CreativeWritingData> CreativeWritingData::Load(const std::string& dir) {
  CreativeWritingData data;
  const std::string prompts_path = dir + "/creative_writing_prompts_v3.json";
  LFM_ASSIGN_OR_RETURN(std::string prompts_text, ReadText(prompts_path));
  const json prompts = json::parse(prompts_text, nullptr, /*allow_exceptions=*/false);
  if (!prompts.is_object() || prompts.empty()) {
    return Error(StatusCode::kDataLoss, "{}: not a JSON object of prompts", prompts_path);
  }
  for (const auto& [id, p] : prompts.items()) {
    CreativePrompt prompt;
    prompt.id = id;
    if (!p.is_object() || !p.value("writing_prompt", json()).is_string() ||
        !p.value("seed_modifiers", json()).is_array() || p["seed_modifiers"].empty()) {
      return Error(StatusCode::kDataLoss, "{}: prompt {} lacks writing_prompt or seed_modifiers",
                   prompts_path, id);
    }
    prompt.title = p.value("title", "");
    prompt.writing_prompt = p["writing_prompt"].get<std::string>();
    for (const json& m : p["seed_modifiers"]) {
      if (!m.is_string())
        return Error(StatusCode::kDataLoss, "{}: prompt {}: a seed modifier is not a string",
                     prompts_path, id);
      prompt.seed_modifiers.push_back(m.get<std::string>());
    }
    data.prompts.push_back(std::move(prompt));
  }
  std::sort(data.prompts.begin(), data.prompts.end(),
            [](const CreativePrompt& a, const CreativePrompt& b) {
              return a.id.size() != b.id.size() ? a.id.size() < b.id.size() : a.id < b.id;
            });
  LFM_ASSIGN_OR_RETURN(data.judge_template, ReadText(dir + "/creative_writing_judging_prompt.txt"));
  LFM_ASSIGN_OR_RETURN(std::string criteria, ReadText(dir + "/creative_writing_criteria.txt"));
  LFM_ASSIGN_OR_RETURN(std::string negative, ReadText(dir + "/negative_criteria.txt"));
  data.criteria = Lines(criteria);
  data.negative_criteria = Lines(negative);
  if (data.criteria.empty())
    return Error(StatusCode::kDataLoss, "{}/creative_writing_criteria.txt: empty", dir);
  return data;
}

std::string CreativeWritingData::PiecePrompt(const CreativePrompt& p, int iteration) const {
  std::string text = p.writing_prompt;
  const size_t k = static_cast<size_t>(iteration - 1) % p.seed_modifiers.size();
  ReplaceAll(text, "<SEED>", p.seed_modifiers[k]);
  return text;
}

std::string CreativeWritingData::JudgePrompt(const CreativePrompt& p,
                                             const std::string& response) const {
  std::string criteria_lines;
  for (const std::string& c : criteria)
    criteria_lines += (criteria_lines.empty() ? "- " : "\n- ") + c;
  std::string negative;
  for (const std::string& c : negative_criteria) negative += (negative.empty() ? "" : ", ") + c;
  // One pass over the template, so text inside the response is never taken for a placeholder.
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"{writing_prompt}", &p.writing_prompt},
      {"{test_model_response}", &response},
      {"{creative_writing_criteria}", &criteria_lines},
      {"{lower_is_better_criteria}", &negative}};
  std::string out;
  for (size_t i = 0; i < judge_template.size();) {
    bool replaced = false;
    for (const auto& [key, value] : fields) {
      if (std::string_view(judge_template).substr(i, key.size()) == key) {
        out += *value;
        i += key.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += judge_template[i++];
  }
  return out;
}

std::map<std::string, double> ParseJudgeScores(std::string_view reply) {
  static const PyRegex plain = MustCompile(R"((.*?):\s*(?:Score\s+)?(-?\d+(?:\.\d+)?))");
  static const PyRegex bracketed = MustCompile(R"((.*?):\s*\[(-?\d+(?:\.\d+)?)\])");
  std::map<std::string, double> scores;
  for (const PyRegex* re : {&plain, &bracketed}) {
    for (const RegexMatch& m : re->FindAll(reply)) {
      std::string name = m.Group(reply, 1);
      const size_t b = name.find_first_not_of(" \t\n\r\f\v");
      name = b == std::string::npos ? ""
                                    : name.substr(b, name.find_last_not_of(" \t\n\r\f\v") + 1 - b);
      const double score = std::stod(m.Group(reply, 2));
      if (score <= kMaxScore) scores[name] = score;
    }
  }
  return scores;
}

std::optional<double> PieceScore(const std::map<std::string, double>& scores,
                                 const std::vector<std::string>& negative_criteria) {
  double sum = 0;
  int n = 0;
  for (const auto& [metric, score] : scores) {
    const bool negative = std::find(negative_criteria.begin(), negative_criteria.end(), metric) !=
                          negative_criteria.end();
    const double value = negative ? kMaxScore - score : score;
    if (value > kMaxScore) continue;  // a negative score below 0 inverted past the scale
    sum += value;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / n;
}

namespace {

// Writes, judges and stores every piece not stored yet; the rubric score from all stored pieces.
void RunCreativeWriting(CreativeArgs& args) {
  const std::string data_dir = ValueOrExit(ResolveDataDir(args.data_dir));
  const CreativeWritingData data =
      ValueOrExit(CreativeWritingData::Load(data_dir + "/creative-writing-v3"));
  if (args.judge.url.empty() || args.judge.model_name.empty())
    FailCommand("--judge-url and --judge-model are required");
  if (!args.engine.model_path.empty() && args.engine.max_context < args.max_tokens + 512) {
    FailCommand(fmt::format(
        "-c {}: a piece needs its prompt plus --max-tokens {}; give -c {} or fewer --max-tokens",
        args.engine.max_context, args.max_tokens, args.max_tokens + 1024));
  }
  auto store =
      ValueOrExit(results::ResultStore::Open(args.db, results::ResultStore::Mode::kReadWrite));

  RemoteModelOptions judge_options;
  judge_options.url = args.judge.url;
  judge_options.model = args.judge.model_name;
  if (!args.judge.api_key_env.empty()) {
    const char* key = std::getenv(args.judge.api_key_env.c_str());
    if (!key || !*key)
      FailCommand(fmt::format("--judge-api-key-env: ${} is not set", args.judge.api_key_env));
    judge_options.api_key = key;
  }
  RemoteModel judge(judge_options);

  results::RunRecord run;
  run.kind = results::RunKind::kEval;
  run.tag = args.tag;
  run.build = results::CurrentBuild();
  run.device = results::DetectDevice();
  run.command_line = results::CurrentCommandLine();
  args.engine.show_progress = !args.quiet;
  OpenedModel opened = OpenModelOrExit(args.engine, args.remote, EngineModelOptions{}, &run);
  LanguageModel& model = *opened.model;

  const size_t n_prompts =
      args.limit > 0 ? std::min<size_t>(args.limit, data.prompts.size()) : data.prompts.size();
  const json settings = {{"judge_url", judge.base_url()},
                         {"judge_model", args.judge.model_name},
                         {"iterations", args.iterations},
                         {"prompts", n_prompts},
                         {"max_tokens", args.max_tokens},
                         {"min_chars", args.min_chars},
                         {"temperature", 0.7},
                         {"min_p", 0.1},
                         {"judge_temperature", 0},
                         {"judge_max_tokens", 1000}};
  run.resume_key = results::Sha256Hex(
      json({{"task", kTask}, {"model", opened.identity}, {"settings", settings}}).dump());
  int64_t run_id = 0;
  if (auto previous = ValueOrExit(store->FindResumableRun(run.resume_key))) {
    ExitOnError(store->ResumeRun(*previous));
    run_id = *previous;
  } else {
    run_id = ValueOrExit(store->BeginRun(run));
  }
  ExitOnError(store->AddEvalTask({run_id, kTask, "3", 0, settings.dump()}));
  const std::set<int64_t> done = ValueOrExit(store->DoneEvalSamples(run_id, kTask));

  struct Piece {
    int64_t doc_id;
    const CreativePrompt* prompt;
    int iteration;
  };
  std::vector<Piece> todo;
  for (int it = 1; it <= args.iterations; ++it) {
    for (size_t k = 0; k < n_prompts; ++k) {
      const int64_t doc_id = static_cast<int64_t>((it - 1) * n_prompts + k);
      if (!done.count(doc_id)) todo.push_back({doc_id, &data.prompts[k], it});
    }
  }
  g_interrupted = false;
  std::signal(SIGINT, OnCreativeWritingInterrupt);
  model.SetCancelFlag(&g_interrupted);
  judge.SetCancelFlag(&g_interrupted);
  auto fail = [&](const Status& s) {
    std::signal(SIGINT, SIG_DFL);
    if (s.code() == StatusCode::kCancelled) {
      (void)store->FinishRun(run_id, results::RunStatus::kIncomplete);
      fmt::print(stderr,
                 "lfmbench: interrupted: run {} of {} keeps its stored pieces; rerun to resume\n",
                 run_id, args.db);
      throw CLI::RuntimeError(130);
    }
    (void)store->FinishRun(run_id, results::RunStatus::kFailed, s.message());
    FailCommand(fmt::format("{}: {}", kTask, s.message()));
  };
  std::unique_ptr<Progress> progress;
  if (!args.quiet && !todo.empty())
    progress = std::make_unique<Progress>(kTask, todo.size(), "pieces");
  const size_t batch =
      static_cast<size_t>(std::max(1, args.remote.url.empty() ? 1 : args.remote.concurrency));
  for (size_t start = 0; start < todo.size(); start += batch) {
    const size_t end = std::min(todo.size(), start + batch);
    std::vector<std::string> texts(end - start), prompts(end - start);
    std::vector<bool> open(end - start, true);
    for (int attempt = 0; attempt < args.attempts; ++attempt) {
      std::vector<GenerationRequest> requests;
      std::vector<size_t> which;
      for (size_t i = start; i < end; ++i) {
        if (!open[i - start]) continue;
        prompts[i - start] = data.PiecePrompt(*todo[i].prompt, todo[i].iteration);
        auto chat = model.ApplyChatTemplate({{"user", prompts[i - start]}}, true);
        if (!chat.ok()) fail(chat.status());
        GenerationRequest r;
        r.context = *chat;
        r.max_tokens = args.max_tokens;
        r.do_sample = true;
        r.temperature = 0.7;
        r.min_p = 0.1;
        r.seed = static_cast<uint64_t>(todo[i].doc_id) * 16 + static_cast<uint64_t>(attempt);
        requests.push_back(r);
        which.push_back(i - start);
      }
      if (requests.empty()) break;
      auto out = model.GenerateUntil(requests);
      if (!out.ok()) fail(out.status());
      for (size_t j = 0; j < which.size(); ++j) {
        texts[which[j]] = (*out)[j];
        // The reference regenerates replies under min_chars characters.
        if (static_cast<int>((*out)[j].size()) >= args.min_chars) open[which[j]] = false;
      }
    }
    // Judge the batch (concurrently), then store each piece.
    std::vector<std::string> replies(end - start);
    std::vector<Status> judged(end - start);
    std::vector<std::thread> threads;
    for (size_t j = 0; j < end - start; ++j) {
      if (open[j]) continue;  // failed: too short after every attempt
      threads.emplace_back([&, j] {
        const json body = {
            {"model", args.judge.model_name},
            {"messages",
             json::array({{{"role", "user"},
                           {"content", data.JudgePrompt(*todo[start + j].prompt, texts[j])}}})},
            {"temperature", 0},
            {"max_tokens", 1000}};
        auto reply = judge.Post("/chat/completions", body);
        if (!reply.ok()) {
          judged[j] = reply.status();
          return;
        }
        const json content =
            reply->value("choices", json::array()).empty()
                ? json()
                : (*reply)["choices"][0].value("message", json::object()).value("content", json());
        if (!content.is_string()) {
          judged[j] = Error(StatusCode::kDataLoss, "the judge's reply has no message content");
          return;
        }
        replies[j] = content.get<std::string>();
      });
    }
    for (std::thread& t : threads) t.join();
    for (size_t j = 0; j < end - start; ++j) {
      if (!judged[j].ok()) fail(judged[j]);
      const Piece& piece = todo[start + j];
      const std::map<std::string, double> scores = ParseJudgeScores(replies[j]);
      const std::optional<double> score =
          open[j] ? std::nullopt : PieceScore(scores, data.negative_criteria);
      results::EvalSample s;
      s.run_id = run_id;
      s.task = kTask;
      s.doc_id = piece.doc_id;
      s.prompt = prompts[j];
      s.prompt_hash = results::Sha256Hex(s.prompt);
      s.target = fmt::format("prompt {} ({}), iteration {}", piece.prompt->id, piece.prompt->title,
                             piece.iteration);
      s.response = texts[j];
      s.extracted_json =
          json(
              {{"judge_reply", replies[j]},
               {"judge_scores", scores},
               {"failed", open[j] ? json(fmt::format("shorter than {} characters after {} attempts",
                                                     args.min_chars, args.attempts))
                                  : json(nullptr)}})
              .dump(-1, ' ', false, json::error_handler_t::replace);
      s.scores_json = json({{"piece_score,none", score ? json(*score) : json(nullptr)}}).dump();
      ExitOnError(store->AddEvalSample(s));
      if (progress) progress->Advance();
    }
  }
  if (progress) progress->Finish();
  std::signal(SIGINT, SIG_DFL);

  // The score from every stored piece (this call's and resumed ones).
  std::vector<double> pieces;
  const std::vector<results::EvalSample> samples =
      ValueOrExit(store->GetEvalSamples(run_id, kTask, 0, 1 << 30));
  for (const results::EvalSample& s : samples) {
    const json j = json::parse(s.scores_json, nullptr, false);
    if (j.is_object() && j.value("piece_score,none", json()).is_number())
      pieces.push_back(j["piece_score,none"]);
  }
  if (pieces.empty()) {
    (void)store->FinishRun(run_id, results::RunStatus::kFailed, "no piece was scored");
    FailCommand(fmt::format(
        "{}: no piece was scored (the judge's replies had no 'Metric: score' lines)", kTask));
  }
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
  };
  const double rubric = mean(pieces);
  PythonRandom rng(1234);
  std::vector<double> boot;
  std::vector<double> resample(pieces.size());
  for (int b = 0; b < kBootstrapResamples; ++b) {
    for (double& x : resample) x = pieces[rng.RandBelow(pieces.size())];
    boot.push_back(mean(resample));
  }
  std::sort(boot.begin(), boot.end());
  const double lo = boot[static_cast<size_t>(0.025 * kBootstrapResamples)];
  const double hi = boot[static_cast<size_t>(0.975 * kBootstrapResamples) - 1];
  const int64_t n = static_cast<int64_t>(pieces.size());
  ExitOnError(store->AddEvalScore(
      {run_id, kTask, false, "rubric_score_0_20", "none", rubric, std::nullopt, n, true}));
  ExitOnError(store->AddEvalScore(
      {run_id, kTask, false, "creative_score_0_100", "none", rubric * 5, std::nullopt, n, true}));
  ExitOnError(store->FinishRun(run_id, results::RunStatus::kComplete));
  fmt::print(
      "{}: creative score {:.2f} / 100 (rubric {:.2f} / 20; 95% bootstrap interval {:.2f}-{:.2f}) "
      "over {} "
      "pieces ({} failed); judge {} at {} (run {})\n",
      kTask, rubric * 5, rubric, lo * 5, hi * 5, n, static_cast<int64_t>(samples.size()) - n,
      args.judge.model_name, judge.base_url(), run_id);
}

}  // namespace

void AddCreativeWritingCommand(CLI::App& eval_group) {
  auto args = std::make_shared<CreativeArgs>();
  CLI::App* cmd = eval_group.add_subcommand(
      "creative-writing",
      "EQ-Bench Creative Writing v3: write 32 prompts x 3 pieces, scored by an LLM judge");
  AddModelSourceFlags(cmd, args->engine, args->remote);
  cmd->add_option("--judge-url", args->judge.url, "The judge's OpenAI-compatible server")
      ->required();
  cmd->add_option("--judge-model", args->judge.model_name, "The judge's model name")->required();
  cmd->add_option("--judge-api-key-env", args->judge.api_key_env,
                  "Environment variable holding the judge's API key");
  cmd->add_option("--iterations", args->iterations, "Pieces per prompt")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->add_option("--limit", args->limit, "Only the first N prompts");
  cmd->add_option("--max-tokens", args->max_tokens, "Tokens per piece at most")
      ->capture_default_str()
      ->check(IntAtLeast(1));
  cmd->add_option("--min-chars", args->min_chars, "Regenerate pieces shorter than this")
      ->capture_default_str();
  cmd->add_option("--db", args->db, "Results database")->capture_default_str();
  cmd->add_option("--data-dir", args->data_dir,
                  "Benchmark data (default: $LFM_DATA_DIR, ../shared/datasets, ./datasets)");
  cmd->add_option("--tag", args->tag, "A name for the run");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress output");
  cmd->callback([args] {
    CheckModelSourceOrExit(args->engine, args->remote);
    RunCreativeWriting(*args);
  });
}

}  // namespace lfm::evals
