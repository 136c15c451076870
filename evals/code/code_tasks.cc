#include "evals/code/code_tasks.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>

#include "base/check.h"
#include "evals/data_reader.h"
#include "evals/embedded_files.h"
#include "evals/scoring/py_str.h"

namespace lfm::evals::code {
namespace {

using nlohmann::json;

// EvalPlus' defaults (evalplus/config.py, evalplus/eval/__init__.py).
constexpr double kEvalPlusMinTimeLimit = 4.0;
constexpr double kEvalPlusTimeLimitFactor = 4.0;
constexpr double kEvalPlusTaskTimeCap = 60.0;
// Room for the canonical solution's own run, which EvalPlus does once ahead of time: the
// sandbox's wall clock is only a backstop, the checker enforces EvalPlus' limits itself.
constexpr double kGroundTruthAllowance = 120.0;
// lcb_runner's default --timeout and its global limit (timeout + 1) x tests + 5.
constexpr int kLcbTimeout = 6;

// A checker script compiled into the binary (evals/code/*.py).
std::string CheckerSource(const char* name) {
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.path == std::string("evals/code/") + name) return std::string(f.content);
  }
  LFM_CHECK(false, "checker {} is not embedded in the binary", name);
  return "";
}

std::string Nonce() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("lfmbench-result-{:016x}{:016x}", rng(), rng());
}

// The checker's result line ("<nonce> {...}"), the last one wins; nullopt when it printed none
// (killed, crashed, timed out).
std::optional<json> CheckerResult(const std::string& out, const std::string& nonce) {
  std::optional<json> found;
  size_t pos = 0;
  while ((pos = out.find(nonce + " ", pos)) != std::string::npos) {
    if (pos == 0 || out[pos - 1] == '\n') {
      const size_t end = out.find('\n', pos);
      try {
        found = json::parse(out.substr(pos + nonce.size() + 1, end - pos - nonce.size() - 1));
      } catch (const json::exception&) {
      }
    }
    pos += nonce.size();
  }
  return found;
}

// Model output with every invalid UTF-8 sequence replaced by U+FFFD (as a Python harness decoding
// it would), so it can travel in JSON to the checker and into the results.
std::string ValidUtf8(const std::string& text) {
  return json::parse(json(text).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

StatusOr<std::string> StringField(const json& record, const char* field) {
  const auto it = record.find(field);
  if (it == record.end() || !it->is_string()) {
    return Error(StatusCode::kInvalidArgument, "record has no string '{}' field", field);
  }
  return it->get<std::string>();
}

StatusOr<json> RunHumanEvalSet(const Sandbox& sandbox, std::string_view record_json,
                               const std::string& solution, const char* set) {
  const std::string nonce = Nonce();
  const json header = {{"nonce", nonce},
                       {"set", set},
                       {"solution", solution},
                       {"min_time_limit", kEvalPlusMinTimeLimit},
                       {"time_limit_factor", kEvalPlusTimeLimitFactor},
                       {"task_time_cap", kEvalPlusTaskTimeCap}};
  SandboxRequest req;
  req.script = CheckerSource("humanevalplus_check.py");
  req.stdin_data = header.dump() + "\n" + std::string(record_json);
  req.limits.wall_seconds = kGroundTruthAllowance + kEvalPlusTaskTimeCap + 2;
  req.limits.cpu_seconds = static_cast<int>(req.limits.wall_seconds);
  req.limits.output_bytes = 1 << 20;
  LFM_ASSIGN_OR_RETURN(SandboxResult r, sandbox.Run(req));
  json out = {{"passed", false},
              {"status", "timeout"},
              {"tests", nullptr},
              {"passed_tests", 0},
              {"seconds", r.wall_seconds}};
  if (auto res = CheckerResult(r.stdout_data, nonce)) {
    out["status"] = (*res)["status"];
    out["tests"] = (*res)["tests"];
    out["passed_tests"] = (*res)["passed"];
    out["passed"] = (*res)["status"] == "pass";
  } else if (!r.timed_out) {
    out["status"] = "fail";
    out["error"] =
        r.stderr_data.substr(r.stderr_data.size() > 2000 ? r.stderr_data.size() - 2000 : 0);
  }
  return out;
}

// ---- LiveCodeBench private tests: base64 -> zlib -> pickle(str) -> JSON ---------------------

StatusOr<std::string> Base64Decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=' || c == '\n' || c == '\r')
      continue;
    else
      return Error(StatusCode::kDataLoss, "not base64 (character {:?})", c);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

StatusOr<std::string> ZlibInflate(const std::string& in) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return Error(StatusCode::kInternal, "zlib init failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    char buf[1 << 16];
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END)
    return Error(StatusCode::kDataLoss, "not zlib data ({})", z.msg ? z.msg : "truncated");
  return out;
}

// A pickle (protocol 2+) whose only value is one str: PROTO, FRAME, the string opcodes, MEMOIZE,
// STOP. Anything else is refused, so no pickle program is ever interpreted.
StatusOr<std::string> UnpickleString(const std::string& p) {
  size_t i = 0;
  std::optional<std::string> value;
  auto take = [&](size_t n) -> StatusOr<uint64_t> {
    if (i + n > p.size()) return Error(StatusCode::kDataLoss, "pickle truncated");
    uint64_t v = 0;
    for (size_t b = 0; b < n; ++b)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i + b])) << (8 * b);
    i += n;
    return v;
  };
  while (i < p.size()) {
    const unsigned char op = p[i++];
    switch (op) {
      case 0x80:
        LFM_RETURN_IF_ERROR(take(1).status());
        break;  // PROTO
      case 0x95:
        LFM_RETURN_IF_ERROR(take(8).status());
        break;  // FRAME
      case 0x94:
        break;  // MEMOIZE
      case 0x8c:
      case 'X':
      case 0x8d: {  // SHORT_BINUNICODE, BINUNICODE(8)
        LFM_ASSIGN_OR_RETURN(uint64_t n, take(op == 0x8c ? 1 : op == 'X' ? 4 : 8));
        if (value || i + n > p.size())
          return Error(StatusCode::kDataLoss, "pickle is not one string");
        value = p.substr(i, n);
        i += n;
        break;
      }
      case '.':
        if (!value) return Error(StatusCode::kDataLoss, "pickle holds no string");
        return *value;
      default:
        return Error(StatusCode::kDataLoss, "pickle opcode 0x{:02x} is not part of a pickled str",
                     op);
    }
  }
  return Error(StatusCode::kDataLoss, "pickle has no STOP");
}

StatusOr<std::vector<LcbTest>> ParseTestsJson(const std::string& text) {
  json list;
  try {
    list = json::parse(text);
  } catch (const json::exception& e) {
    return Error(StatusCode::kDataLoss, "test cases are not JSON ({})", e.what());
  }
  if (!list.is_array()) return Error(StatusCode::kDataLoss, "test cases are not a JSON list");
  std::vector<LcbTest> tests;
  for (const json& t : list) {
    if (!t.is_object() || !t.contains("input") || !t.contains("output") ||
        !t["input"].is_string() || !t["output"].is_string()) {
      return Error(StatusCode::kDataLoss, "test case {} lacks string input/output",
                   t.dump().substr(0, 80));
    }
    tests.push_back(
        {t["input"].get<std::string>(), t["output"].get<std::string>(), t.value("testtype", "")});
  }
  return tests;
}

bool LcbPassed(const json& results) {
  return std::all_of(results.begin(), results.end(), [](const json& r) {
    return (r.is_boolean() && r.get<bool>()) || (r.is_number() && r.get<double>() > 0);
  });
}

// "2024-10-05" -> "2024-10-05T00:00:00"; a full ISO timestamp as is (a space separator as T).
std::string AsTimestamp(std::string iso) {
  if (iso.size() == 10) iso += "T00:00:00";
  if (iso.size() > 10 && iso[10] == ' ') iso[10] = 'T';
  return iso;
}

}  // namespace

bool IsHumanEvalPlusTask(std::string_view task) {
  return task == "humanevalplus" || task == "humanevalplus_chat";
}

bool IsCodeTask(std::string_view task) {
  return IsHumanEvalPlusTask(task) || task == "livecodebench" || task == "livecodebench_v5" ||
         task == "livecodebench_v6";
}

StatusOr<std::string> SanitizeReply(const Sandbox& sandbox, const std::string& reply,
                                    const std::string& entry_point) {
  const std::string nonce = Nonce();
  SandboxRequest req;
  req.script = CheckerSource("humanevalplus_sanitize.py");
  req.stdin_data =
      json{{"nonce", nonce}, {"text", ValidUtf8(reply)}, {"entry_point", entry_point}}.dump();
  req.limits.wall_seconds = 60;  // quadratic in the reply's lines: ~3 s for 300 lines
  req.limits.cpu_seconds = 60;
  req.limits.output_bytes = 4 << 20;
  LFM_ASSIGN_OR_RETURN(SandboxResult r, sandbox.Run(req));
  const auto res = CheckerResult(r.stdout_data, nonce);
  if (!res || !res->contains("code") || !(*res)["code"].is_string()) {
    return Error(StatusCode::kInternal, "the sanitizer printed no result ({}): {}",
                 r.timed_out ? "timed out" : fmt::format("exit {}", r.exit_code),
                 r.stderr_data.substr(0, 500));
  }
  return (*res)["code"].get<std::string>();
}

StatusOr<json> ScoreHumanEvalPlus(const Sandbox& sandbox, std::string_view record_json,
                                  const std::string& completion, ResponseStyle style) {
  json record;
  try {
    record = json::parse(record_json);
  } catch (const json::exception& e) {
    return Error(StatusCode::kInvalidArgument, "record is not JSON ({})", e.what());
  }
  LFM_ASSIGN_OR_RETURN(std::string prompt, StringField(record, "prompt"));
  for (const char* field : {"entry_point", "canonical_solution"}) {
    LFM_RETURN_IF_ERROR(StringField(record, field).status());
  }
  for (const char* field : {"base_input", "plus_input"}) {
    if (!record.contains(field) || !record[field].is_array()) {
      return Error(StatusCode::kInvalidArgument,
                   "record has no '{}' list (is it a HumanEval+ record?)", field);
    }
  }
  if (!record.contains("atol") || !record["atol"].is_number()) {
    return Error(StatusCode::kInvalidArgument, "record has no numeric 'atol' field");
  }
  std::string solution;
  if (style == ResponseStyle::kChat) {
    LFM_ASSIGN_OR_RETURN(
        solution, SanitizeReply(sandbox, completion, record["entry_point"].get<std::string>()));
  } else {
    solution = prompt + ValidUtf8(completion);  // EvalPlus: prompt + completion
  }
  LFM_ASSIGN_OR_RETURN(json base, RunHumanEvalSet(sandbox, record_json, solution, "base"));
  json plus;
  if (base["passed"] == true) {
    LFM_ASSIGN_OR_RETURN(plus, RunHumanEvalSet(sandbox, record_json, solution, "plus"));
  } else {
    plus = {{"passed", false}, {"status", "not run (base failed)"}, {"seconds", 0.0}};
  }
  const double seconds = base["seconds"].get<double>() + plus["seconds"].get<double>();
  base.erase("seconds");
  plus.erase("seconds");
  json score = {
      {"base", base}, {"plus", plus}, {"sandbox", sandbox.isolation()}, {"seconds", seconds}};
  if (style == ResponseStyle::kChat) score["program"] = solution;
  return score;
}

StatusOr<json> ScoreLiveCodeBench(const Sandbox& sandbox, const json& record,
                                  const std::string& response, ResponseStyle style) {
  if (!record.is_object())
    return Error(StatusCode::kInvalidArgument, "record is not a JSON object");
  for (const char* field : {"public_test_cases", "private_test_cases"}) {
    if (!record.contains(field))
      return Error(StatusCode::kInvalidArgument, "record has no '{}' field", field);
  }
  LFM_ASSIGN_OR_RETURN(std::vector<LcbTest> tests, DecodeLcbTests(record["public_test_cases"]));
  auto private_tests = DecodeLcbTests(record["private_test_cases"]);
  if (!private_tests.ok()) return private_tests.status().WithPrefix("private_test_cases");
  tests.insert(tests.end(), private_tests->begin(), private_tests->end());
  json fn_name = nullptr;
  if (record.contains("metadata")) {
    json metadata = record["metadata"];
    if (metadata.is_string()) {
      try {
        metadata = json::parse(metadata.get<std::string>());
      } catch (const json::exception& e) {
        return Error(StatusCode::kInvalidArgument, "metadata is not JSON ({})", e.what());
      }
    }
    if (metadata.is_object() && metadata.contains("func_name")) fn_name = metadata["func_name"];
  }
  const std::string code = style == ResponseStyle::kChat ? ExtractLastCodeBlock(ValidUtf8(response))
                                                         : PyStrip(ValidUtf8(response));
  const std::string nonce = Nonce();
  json job = {{"nonce", nonce},           {"code", code},       {"inputs", json::array()},
              {"outputs", json::array()}, {"fn_name", fn_name}, {"timeout", kLcbTimeout}};
  for (const LcbTest& t : tests) {
    job["inputs"].push_back(t.input);
    job["outputs"].push_back(t.output);
  }
  SandboxRequest req;
  req.script = CheckerSource("livecodebench_check.py");
  req.stdin_data = job.dump();
  req.limits.wall_seconds = (kLcbTimeout + 1.0) * static_cast<double>(tests.size()) + 5;
  req.limits.cpu_seconds = static_cast<int>(req.limits.wall_seconds);
  req.limits.output_bytes = 1 << 20;
  LFM_ASSIGN_OR_RETURN(SandboxResult r, sandbox.Run(req));
  json results;
  auto res = CheckerResult(r.stdout_data, nonce);
  if (res && res->contains("results")) {
    results = (*res)["results"];
  } else {
    results = json::array();  // the runner's "global timeout / crash": every test -1
    for (size_t i = 0; i < tests.size(); ++i) results.push_back(-1);
  }
  return json{{"passed", LcbPassed(results)},   {"results", results},
              {"tests", tests.size()},          {"code", code},
              {"sandbox", sandbox.isolation()}, {"seconds", r.wall_seconds}};
}

StatusOr<json> ScoreCodeCandidate(const Sandbox& sandbox, std::string_view task,
                                  std::string_view record_json, const std::string& response,
                                  std::optional<ResponseStyle> style) {
  if (IsHumanEvalPlusTask(task)) {
    const ResponseStyle usual =
        task == "humanevalplus_chat" ? ResponseStyle::kChat : ResponseStyle::kCompletion;
    return ScoreHumanEvalPlus(sandbox, record_json, response, style.value_or(usual));
  }
  if (IsCodeTask(task)) {
    json record;
    try {
      record = json::parse(record_json);
    } catch (const json::exception& e) {
      return Error(StatusCode::kInvalidArgument, "record is not JSON ({})", e.what());
    }
    return ScoreLiveCodeBench(sandbox, record, response, style.value_or(ResponseStyle::kChat));
  }
  return Error(StatusCode::kInvalidArgument, "'{}' is not a code task", task);
}

bool CodeScorePassed(std::string_view task, const json& score, bool base) {
  if (IsHumanEvalPlusTask(task)) return score[base ? "base" : "plus"]["passed"] == true;
  return score["passed"] == true;
}

std::string ExtractLastCodeBlock(std::string_view response) {
  std::vector<std::string_view> lines;
  size_t begin = 0;
  while (true) {
    const size_t end = response.find('\n', begin);
    lines.push_back(response.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
  std::vector<size_t> fences;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("```") != std::string_view::npos) fences.push_back(i);
  }
  if (fences.size() < 2) return "";
  std::string code;
  for (size_t i = fences[fences.size() - 2] + 1; i < fences.back(); ++i) {
    if (!code.empty() || i > fences[fences.size() - 2] + 1) code += '\n';
    code += lines[i];
  }
  return code;
}

StatusOr<std::vector<LcbTest>> DecodeLcbTests(const json& field) {
  if (field.is_array()) return ParseTestsJson(field.dump());
  if (!field.is_string())
    return Error(StatusCode::kDataLoss, "test cases are neither a string nor a list");
  const std::string text = field.get<std::string>();
  auto direct = ParseTestsJson(text);
  if (direct.ok()) return direct;
  auto raw = Base64Decode(text);
  if (!raw.ok()) return raw.status().WithPrefix("test cases are neither JSON nor base64");
  auto inflated = ZlibInflate(*raw);
  if (!inflated.ok()) return inflated.status().WithPrefix("compressed test cases");
  auto unpickled = UnpickleString(*inflated);
  if (!unpickled.ok()) return unpickled.status().WithPrefix("compressed test cases");
  return ParseTestsJson(*unpickled);
}

std::string EncodeLcbTestsCompressed(const std::string& tests_json) {
  // Protocol 4: PROTO 4, FRAME n, BINUNICODE8 or BINUNICODE, MEMOIZE, STOP.
  std::string body;
  body.push_back('X');
  for (int b = 0; b < 4; ++b)
    body.push_back(static_cast<char>((tests_json.size() >> (8 * b)) & 0xff));
  body += tests_json;
  body.push_back(static_cast<char>(0x94));
  body.push_back('.');
  std::string pickle = {static_cast<char>(0x80), 4, static_cast<char>(0x95)};
  for (int b = 0; b < 8; ++b) pickle.push_back(static_cast<char>((body.size() >> (8 * b)) & 0xff));
  pickle += body;
  uLongf size = compressBound(pickle.size());
  std::string z(size, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(pickle.data()),
           pickle.size());
  z.resize(size);
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < z.size(); i += 3) {
    const uint32_t n = (static_cast<unsigned char>(z[i]) << 16) |
                       (i + 1 < z.size() ? static_cast<unsigned char>(z[i + 1]) << 8 : 0) |
                       (i + 2 < z.size() ? static_cast<unsigned char>(z[i + 2]) : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < z.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < z.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

double PassAtK(int n, int c, int k) {
  if (n - c < k) return 1.0;
  double prod = 1.0;
  for (int i = n - c + 1; i <= n; ++i) prod *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - prod;
}

StatusOr<LcbFewShot> LoadLcbFewShot(const std::string& data_dir) {
  LcbFewShot fewshot;
  for (auto [name, slot] : {std::pair{"func", &fewshot.func}, {"stdin", &fewshot.stdin_examples}}) {
    const std::string path = (std::filesystem::path(data_dir) / "livecodebench" /
                              fmt::format("fewshot_generation_{}.json", name))
                                 .string();
    LFM_ASSIGN_OR_RETURN(std::string text, ReadMaybeGzipFile(path));
    try {
      *slot = json::parse(text);
    } catch (const json::exception& e) {
      return Error(StatusCode::kDataLoss, "{}: not JSON ({})", path, e.what());
    }
    if (!slot->is_array() || slot->empty() || !(*slot)[0].is_object()) {
      return Error(StatusCode::kDataLoss, "{}: expected a list of examples", path);
    }
  }
  return fewshot;
}

StatusOr<std::string> LcbBasePrompt(const LcbFewShot& fewshot, const json& doc) {
  const std::string starter = doc.value("starter_code", "");
  const json& example = starter.empty() ? fewshot.stdin_examples.at(0) : fewshot.func.at(0);
  auto field = [&](const char* name) -> StatusOr<std::string> {
    if (!example.contains(name) || !example[name].is_string()) {
      return Error(StatusCode::kDataLoss, "LiveCodeBench few-shot example has no string '{}'",
                   name);
    }
    return example[name].get<std::string>();
  };
  auto part = [&](const std::string& question, const std::string& code, const std::string& answer) {
    std::string text = "### Question\n" + question + "\n\n";
    if (!starter.empty()) text += "### Starter Code\n" + code + "\n\n";
    text += "### Answer\n\n" + answer;
    if (!answer.empty()) text += "\n\n";
    return text;
  };
  LFM_ASSIGN_OR_RETURN(std::string question, field("question"));
  LFM_ASSIGN_OR_RETURN(std::string answer, field("answer"));
  std::string sample_code;
  if (!starter.empty()) {
    LFM_ASSIGN_OR_RETURN(sample_code, field("sample_code"));
  }
  return part(question, sample_code, answer) + part(doc.value("question_content", ""), starter, "");
}

StatusOr<std::vector<json>> PrepareLcbDocs(std::vector<json> docs, const std::string& start_date,
                                           const std::string& end_date, const LcbFewShot* base) {
  static const std::string kWithStarter =
      "### Format: You will use the following starter code to write the solution to the problem "
      "and enclose your code within delimiters.\n";
  static const std::string kWithoutStarter =
      "### Format: Read the inputs from stdin solve the problem and write the answer to stdout (do "
      "not directly test on the sample inputs). Enclose your code within delimiters as follows. "
      "Ensure that when the python program runs, it reads the inputs, runs the algorithm and "
      "writes output to STDOUT.\n";
  std::vector<json> kept;
  for (json& doc : docs) {
    if (!doc.contains("contest_date") || !doc["contest_date"].is_string()) {
      return Error(StatusCode::kDataLoss, "LiveCodeBench record without a contest_date string");
    }
    // lcb_runner compares datetimes: a bare date means its midnight, so an end date excludes
    // problems later that day. ISO timestamps of one shape compare as text.
    const std::string date = AsTimestamp(doc["contest_date"].get<std::string>());
    if (!start_date.empty() && date < AsTimestamp(start_date)) continue;
    if (!end_date.empty() && date > AsTimestamp(end_date)) continue;
    const std::string starter = doc.value("starter_code", "");
    doc["format_block"] = starter.empty() ? kWithoutStarter + "```python\n# YOUR CODE HERE\n```\n\n"
                                          : kWithStarter + "```python\n" + starter + "\n```\n\n";
    if (base != nullptr) {
      LFM_ASSIGN_OR_RETURN(std::string prompt, LcbBasePrompt(*base, doc));
      doc["base_prompt"] = std::move(prompt);
    }
    kept.push_back(std::move(doc));
  }
  return kept;
}

}  // namespace lfm::evals::code
