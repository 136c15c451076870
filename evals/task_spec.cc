#include "evals/task_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "evals/embedded_files.h"
#include "evals/process_docs.h"
#include "evals/scoring/config.h"

namespace lfm::evals {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr char kEmbeddedRoot[] = "evals/tasks/";

// YAML -> JSON with YAML 1.2 core-schema typing of plain scalars (quoted scalars stay strings).
json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (s == "null" || s == "Null" || s == "NULL" || s == "~") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  // Numbers outside int64 / double stay text, so the typed check names them ("must be an
  // integer, got \"99999999999999999999\"") instead of a conversion throwing.
  if (std::regex_match(s, kInt)) {
    int64_t value = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    const auto [end, ec] = std::from_chars(begin, s.data() + s.size(), value);
    if (ec == std::errc() && end == s.data() + s.size()) return value;
    return s;
  }
  if (std::regex_match(s, kFloat)) {
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(s.c_str(), &end);
    if (errno == ERANGE || end != s.c_str() + s.size()) return s;
    return value;
  }
  return s;
}

// Typed access to one spec object, with errors naming the file and the field.
class Fields {
 public:
  Fields(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  bool Has(const std::string& key) const { return obj_.contains(key) && !obj_[key].is_null(); }
  const json& Raw(const std::string& key) const { return obj_[key]; }

  Status CheckKeys(const std::vector<std::string>& allowed) const {
    for (const auto& [key, value] : obj_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return Error(StatusCode::kInvalidArgument, "{}: unknown key '{}'{}", where_, key,
                     DidYouMean(key, allowed));
      }
    }
    return OkStatus();
  }
  Status Missing(const std::string& key) const {
    return Error(StatusCode::kInvalidArgument, "{}: missing required key '{}'", where_, key);
  }
  Status Wrong(const std::string& key, const char* expected) const {
    return Error(StatusCode::kInvalidArgument, "{}: '{}' must be {}, got {}", where_, key, expected,
                 obj_[key].dump());
  }
  // Strings, and numbers written as text (lm-eval's `doc_to_target: 0`).
  StatusOr<std::string> String(const std::string& key, const std::string& fallback,
                               bool required = false) const {
    if (!Has(key)) {
      if (required) return Missing(key);
      return fallback;
    }
    const json& v = obj_[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
    return Wrong(key, "a string");
  }
  StatusOr<int64_t> Int(const std::string& key, int64_t fallback) const {
    if (!Has(key)) return fallback;
    if (!obj_[key].is_number_integer()) return Wrong(key, "an integer");
    return obj_[key].get<int64_t>();
  }
  StatusOr<double> Double(const std::string& key, double fallback) const {
    if (!Has(key)) return fallback;
    if (!obj_[key].is_number()) return Wrong(key, "a number");
    return obj_[key].get<double>();
  }
  StatusOr<bool> Bool(const std::string& key, bool fallback) const {
    if (!Has(key)) return fallback;
    if (!obj_[key].is_boolean()) return Wrong(key, "true or false");
    return obj_[key].get<bool>();
  }
  // A list of strings; a single string is a list of one.
  StatusOr<std::vector<std::string>> StringList(const std::string& key) const {
    std::vector<std::string> out;
    if (!Has(key)) return out;
    const json& v = obj_[key];
    if (v.is_string()) return std::vector<std::string>{v.get<std::string>()};
    if (!v.is_array()) return Wrong(key, "a list of strings");
    for (const json& item : v) {
      if (!item.is_string()) return Wrong(key, "a list of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  StatusOr<PromptTemplate> Template(const std::string& key, bool required) const {
    LFM_ASSIGN_OR_RETURN(std::string source, String(key, "", required));
    auto t = PromptTemplate::Parse(source);
    if (!t.ok()) return t.status().WithPrefix(where_ + ": '" + key + "'");
    return t;
  }
  StatusOr<std::optional<PromptTemplate>> OptionalTemplate(const std::string& key) const {
    if (!Has(key)) return std::optional<PromptTemplate>();
    LFM_ASSIGN_OR_RETURN(PromptTemplate t, Template(key, true));
    return std::optional<PromptTemplate>(std::move(t));
  }
  StatusOr<Fields> Object(const std::string& key) const {
    if (!obj_[key].is_object()) return Wrong(key, "a mapping");
    return Fields(obj_[key], where_ + ": " + key);
  }

 private:
  const json& obj_;
  std::string where_;
};

std::string VersionText(const json& metadata) {
  if (!metadata.is_object() || !metadata.contains("version")) return "";
  const json& v = metadata["version"];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

StatusOr<SplitSpec> ParseSplit(const Fields& f) {
  LFM_RETURN_IF_ERROR(
      f.CheckKeys({"file", "format", "header", "columns", "records_path", "key_field", "where"}));
  SplitSpec split;
  LFM_ASSIGN_OR_RETURN(split.file, f.String("file", "", true));
  LFM_ASSIGN_OR_RETURN(std::string format, f.String("format", ""));
  auto parsed = format.empty() ? FormatFromFileName(split.file) : ParseDataFormat(format);
  if (!parsed) {
    return Error(StatusCode::kInvalidArgument, "{}: cannot tell the format of '{}'; add format: "
                 "jsonl|json|csv|tsv|text", f.where(), format.empty() ? split.file : format);
  }
  split.read.format = *parsed;
  LFM_ASSIGN_OR_RETURN(split.read.header, f.Bool("header", true));
  LFM_ASSIGN_OR_RETURN(split.read.columns, f.StringList("columns"));
  LFM_ASSIGN_OR_RETURN(split.read.records_path, f.String("records_path", ""));
  LFM_ASSIGN_OR_RETURN(split.read.key_field, f.String("key_field", ""));
  if (f.Has("where")) {
    if (!f.Raw("where").is_object()) return f.Wrong("where", "a mapping of field: value");
    for (const auto& [key, value] : f.Raw("where").items()) {
      split.where[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  return split;
}

constexpr int64_t kMaxGenToks = int64_t{1} << 20;

StatusOr<GenerationSpec> ParseGeneration(const Fields& f) {
  LFM_RETURN_IF_ERROR(f.CheckKeys(
      {"until", "max_gen_toks", "do_sample", "temperature", "top_p", "top_k", "min_p"}));
  GenerationSpec g;
  LFM_ASSIGN_OR_RETURN(g.until, f.StringList("until"));
  LFM_ASSIGN_OR_RETURN(int64_t max_gen, f.Int("max_gen_toks", g.max_gen_toks));
  if (max_gen < 1 || max_gen > kMaxGenToks) {
    return f.Wrong("max_gen_toks", "an integer from 1 to 1048576");
  }
  g.max_gen_toks = static_cast<int>(max_gen);
  LFM_ASSIGN_OR_RETURN(g.do_sample, f.Bool("do_sample", false));
  LFM_ASSIGN_OR_RETURN(g.temperature, f.Double("temperature", 0.0));
  LFM_ASSIGN_OR_RETURN(g.top_p, f.Double("top_p", 1.0));
  LFM_ASSIGN_OR_RETURN(int64_t top_k, f.Int("top_k", 0));
  if (top_k < 0 || top_k > INT32_MAX) return f.Wrong("top_k", "an integer from 0 to 2147483647");
  g.top_k = static_cast<int>(top_k);
  LFM_ASSIGN_OR_RETURN(g.min_p, f.Double("min_p", 0.0));
  return g;
}

}  // namespace

StatusOr<json> ParseGenKwargs(const std::string& text) {
  json out = json::object();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return Error(StatusCode::kInvalidArgument, "--gen-kwargs: '{}' is not key=value", item);
    }
    // Values are typed as YAML plain scalars are: 32, 0.7, true, text.
    try {
      out[item.substr(0, eq)] = YamlToJson(YAML::Load(item.substr(eq + 1)));
    } catch (const YAML::Exception&) {
      return Error(StatusCode::kInvalidArgument, "--gen-kwargs: cannot read the value of '{}'", item);
    }
  }
  // Checks keys and types the way a spec's generation_kwargs is checked.
  Fields f(out, "--gen-kwargs");
  LFM_RETURN_IF_ERROR(f.CheckKeys({"max_gen_toks", "do_sample", "temperature", "top_p", "top_k", "min_p"}));
  LFM_RETURN_IF_ERROR(ParseGeneration(f).status());
  return out;
}

GenerationSpec WithGenKwargs(GenerationSpec g, const json& overrides) {
  if (overrides.contains("max_gen_toks")) g.max_gen_toks = overrides["max_gen_toks"].get<int>();
  if (overrides.contains("do_sample")) g.do_sample = overrides["do_sample"].get<bool>();
  if (overrides.contains("temperature")) g.temperature = overrides["temperature"].get<double>();
  if (overrides.contains("top_p")) g.top_p = overrides["top_p"].get<double>();
  if (overrides.contains("top_k")) g.top_k = overrides["top_k"].get<int>();
  if (overrides.contains("min_p")) g.min_p = overrides["min_p"].get<double>();
  return g;
}

namespace {

StatusOr<FewshotSpec> ParseFewshot(const Fields& f) {
  LFM_RETURN_IF_ERROR(f.CheckKeys({"sampler", "samples", "doc_to_text", "doc_to_target", "match"}));
  FewshotSpec s;
  LFM_ASSIGN_OR_RETURN(s.match, f.String("match", ""));
  LFM_ASSIGN_OR_RETURN(s.sampler, f.String("sampler", "default"));
  if (s.sampler != "default" && s.sampler != "first_n") {
    return Error(StatusCode::kInvalidArgument, "{}: unknown sampler '{}' (default, first_n)",
                 f.where(), s.sampler);
  }
  if (f.Has("samples")) {
    if (!f.Raw("samples").is_array()) return f.Wrong("samples", "a list of documents");
    for (const json& sample : f.Raw("samples")) {
      if (!sample.is_object()) return f.Wrong("samples", "a list of documents");
      s.samples.push_back(sample);
    }
  }
  LFM_ASSIGN_OR_RETURN(s.doc_to_text, f.OptionalTemplate("doc_to_text"));
  LFM_ASSIGN_OR_RETURN(s.doc_to_target, f.OptionalTemplate("doc_to_target"));
  return s;
}

StatusOr<std::vector<FilterSpec>> ParseFilters(const Fields& f) {
  std::vector<FilterSpec> filters;
  if (!f.Has("filter_list")) return filters;
  if (!f.Raw("filter_list").is_array()) return f.Wrong("filter_list", "a list");
  for (size_t i = 0; i < f.Raw("filter_list").size(); ++i) {
    Fields entry(f.Raw("filter_list")[i], f.where() + ": filter_list[" + std::to_string(i) + "]");
    LFM_RETURN_IF_ERROR(entry.CheckKeys({"name", "filter"}));
    FilterSpec spec;
    LFM_ASSIGN_OR_RETURN(spec.name, entry.String("name", "", true));
    if (!entry.Has("filter") || !entry.Raw("filter").is_array()) {
      return entry.Wrong("filter", "a list of {function: ...} steps");
    }
    spec.steps = entry.Raw("filter");
    filters.push_back(std::move(spec));
  }
  return filters;
}

StatusOr<std::vector<MetricSpec>> ParseMetrics(const Fields& f) {
  std::vector<MetricSpec> metrics;
  if (!f.Has("metric_list")) return Error(StatusCode::kInvalidArgument, "{}: missing required key 'metric_list'", f.where());
  if (!f.Raw("metric_list").is_array()) return f.Wrong("metric_list", "a list");
  for (size_t i = 0; i < f.Raw("metric_list").size(); ++i) {
    const json& raw = f.Raw("metric_list")[i];
    Fields entry(raw, f.where() + ": metric_list[" + std::to_string(i) + "]");
    if (!raw.is_object()) return f.Wrong("metric_list", "a list of mappings");
    MetricSpec m;
    LFM_ASSIGN_OR_RETURN(m.metric, entry.String("metric", "", true));
    LFM_ASSIGN_OR_RETURN(m.aggregation, entry.String("aggregation", "mean"));
    LFM_ASSIGN_OR_RETURN(m.higher_is_better, entry.Bool("higher_is_better", true));
    m.options = raw;  // metric-specific keys are checked by the scorer that reads them
    metrics.push_back(std::move(m));
  }
  return metrics;
}

StatusOr<OutputType> ParseOutputType(const Fields& f) {
  LFM_ASSIGN_OR_RETURN(std::string name, f.String("output_type", "", true));
  for (OutputType t : {OutputType::kMultipleChoice, OutputType::kLoglikelihood,
                       OutputType::kLoglikelihoodRolling, OutputType::kGenerateUntil}) {
    if (name == OutputTypeName(t)) return t;
  }
  return Error(StatusCode::kInvalidArgument,
               "{}: unknown output_type '{}' (multiple_choice, loglikelihood, "
               "loglikelihood_rolling, generate_until)",
               f.where(), name);
}

StatusOr<TaskSpec> ParseTask(const json& obj, const std::string& file) {
  Fields f(obj, file);
  LFM_RETURN_IF_ERROR(f.CheckKeys(
      {"task", "task_alias", "tag", "benchmark", "dataset", "test_split", "fewshot_split",
       "output_type", "doc_to_text", "doc_to_target", "doc_to_choice", "target_delimiter",
       "fewshot_delimiter", "description", "gen_prefix", "num_fewshot", "fewshot_config", "generation_kwargs",
       "filter_list", "metric_list", "process_results", "report_by", "process_docs",
       "display_samples", "multi_turn", "repeats", "metadata"}));
  TaskSpec t;
  t.file = file;
  t.config = obj;
  LFM_ASSIGN_OR_RETURN(t.task, f.String("task", "", true));
  LFM_ASSIGN_OR_RETURN(t.task_alias, f.String("task_alias", ""));
  LFM_ASSIGN_OR_RETURN(t.tags, f.StringList("tag"));
  LFM_ASSIGN_OR_RETURN(t.benchmark, f.String("benchmark", ""));
  if (!f.Has("dataset")) return f.Missing("dataset");
  if (!f.Raw("dataset").is_object()) return f.Wrong("dataset", "a mapping of split: {file: ...}");
  for (const auto& [split, value] : f.Raw("dataset").items()) {
    if (!value.is_object()) return f.Wrong("dataset", "a mapping of split: {file: ...}");
    LFM_ASSIGN_OR_RETURN(t.dataset[split], ParseSplit(Fields(value, file + ": dataset." + split)));
  }
  LFM_ASSIGN_OR_RETURN(t.test_split, f.String("test_split", "", true));
  LFM_ASSIGN_OR_RETURN(t.fewshot_split, f.String("fewshot_split", ""));
  for (const std::string* split : {&t.test_split, &t.fewshot_split}) {
    if (!split->empty() && !t.dataset.count(*split)) {
      return Error(StatusCode::kInvalidArgument, "{}: split '{}' is not in 'dataset'", file, *split);
    }
  }
  LFM_ASSIGN_OR_RETURN(t.output_type, ParseOutputType(f));
  LFM_ASSIGN_OR_RETURN(t.doc_to_text, f.Template("doc_to_text", true));
  LFM_ASSIGN_OR_RETURN(t.doc_to_target, f.Template("doc_to_target", true));
  if (f.Has("doc_to_choice")) {
    const json& choice = f.Raw("doc_to_choice");
    if (choice.is_array()) {
      for (const json& c : choice) {
        if (!c.is_string()) return f.Wrong("doc_to_choice", "a list of templates or one template");
        auto tmpl = PromptTemplate::Parse(c.get<std::string>());
        if (!tmpl.ok()) return tmpl.status().WithPrefix(file + ": 'doc_to_choice'");
        t.doc_to_choice.push_back(std::move(tmpl).value());
      }
    } else {
      LFM_ASSIGN_OR_RETURN(PromptTemplate tmpl, f.Template("doc_to_choice", true));
      t.doc_to_choice.push_back(std::move(tmpl));
      t.doc_to_choice_is_list_expression = true;
    }
  }
  if (t.output_type == OutputType::kMultipleChoice && t.doc_to_choice.empty()) {
    return Error(StatusCode::kInvalidArgument, "{}: output_type multiple_choice needs 'doc_to_choice'",
                 file);
  }
  LFM_ASSIGN_OR_RETURN(t.target_delimiter, f.String("target_delimiter", " "));
  LFM_ASSIGN_OR_RETURN(t.fewshot_delimiter, f.String("fewshot_delimiter", "\n\n"));
  LFM_ASSIGN_OR_RETURN(t.description, f.OptionalTemplate("description"));
  LFM_ASSIGN_OR_RETURN(t.gen_prefix, f.OptionalTemplate("gen_prefix"));
  if (t.gen_prefix && t.output_type != OutputType::kGenerateUntil) {
    return f.Wrong("gen_prefix", "used with output_type generate_until only");
  }
  LFM_ASSIGN_OR_RETURN(int64_t shots, f.Int("num_fewshot", 0));
  if (shots < 0) return f.Wrong("num_fewshot", "a non-negative integer");
  t.num_fewshot = static_cast<int>(shots);
  if (f.Has("fewshot_config")) {
    LFM_ASSIGN_OR_RETURN(Fields fewshot, f.Object("fewshot_config"));
    LFM_ASSIGN_OR_RETURN(t.fewshot, ParseFewshot(fewshot));
  }
  if (t.num_fewshot > 0 && t.fewshot_split.empty() && t.fewshot.samples.empty()) {
    return Error(StatusCode::kInvalidArgument,
                 "{}: num_fewshot is {} but there is no fewshot_split or fewshot_config.samples",
                 file, t.num_fewshot);
  }
  if (f.Has("generation_kwargs")) {
    LFM_ASSIGN_OR_RETURN(Fields gen, f.Object("generation_kwargs"));
    LFM_ASSIGN_OR_RETURN(t.generation, ParseGeneration(gen));
  }
  LFM_ASSIGN_OR_RETURN(t.filters, ParseFilters(f));
  LFM_ASSIGN_OR_RETURN(t.metrics, ParseMetrics(f));
  LFM_ASSIGN_OR_RETURN(t.process_results, f.String("process_results", ""));
  LFM_ASSIGN_OR_RETURN(t.multi_turn, f.String("multi_turn", ""));
  if (!t.multi_turn.empty() && t.multi_turn != "multi_if") return f.Wrong("multi_turn", "multi_if");
  if (!t.multi_turn.empty() && t.output_type != OutputType::kGenerateUntil) {
    return f.Wrong("multi_turn", "used with output_type generate_until");
  }
  LFM_ASSIGN_OR_RETURN(t.report_by, f.StringList("report_by"));
  LFM_ASSIGN_OR_RETURN(t.display_samples, f.Bool("display_samples", true));
  if (f.Has("process_docs")) {
    t.process_docs = f.Raw("process_docs");
    const Status valid = CheckProcessDocs(t.process_docs);
    if (!valid.ok()) return valid.WithPrefix(f.where());
  }
  LFM_ASSIGN_OR_RETURN(int64_t repeats, f.Int("repeats", 1));
  if (repeats != 1) return f.Wrong("repeats", "1 (several generations per document are not supported)");
  if (f.Has("metadata")) {
    LFM_ASSIGN_OR_RETURN(Fields metadata, f.Object("metadata"));
    LFM_RETURN_IF_ERROR(metadata.CheckKeys({"version", "source"}));
    t.version = VersionText(f.Raw("metadata"));
  }
  return t;
}

StatusOr<GroupSpec> ParseGroup(const json& obj, const std::string& file) {
  Fields f(obj, file);
  LFM_RETURN_IF_ERROR(
      f.CheckKeys({"group", "group_alias", "task", "aggregate_metric_list", "metadata"}));
  GroupSpec g;
  g.file = file;
  g.config = obj;
  LFM_ASSIGN_OR_RETURN(g.group, f.String("group", "", true));
  LFM_ASSIGN_OR_RETURN(g.group_alias, f.String("group_alias", ""));
  LFM_ASSIGN_OR_RETURN(g.members, f.StringList("task"));
  if (g.members.empty()) return f.Missing("task");
  if (f.Has("aggregate_metric_list")) {
    if (!f.Raw("aggregate_metric_list").is_array()) return f.Wrong("aggregate_metric_list", "a list");
    for (size_t i = 0; i < f.Raw("aggregate_metric_list").size(); ++i) {
      Fields entry(f.Raw("aggregate_metric_list")[i],
                   file + ": aggregate_metric_list[" + std::to_string(i) + "]");
      LFM_RETURN_IF_ERROR(
          entry.CheckKeys({"metric", "filter_list", "weight_by_size", "aggregation", "name", "over"}));
      GroupAggregate a;
      LFM_ASSIGN_OR_RETURN(a.metric, entry.String("metric", "", true));
      LFM_ASSIGN_OR_RETURN(std::vector<std::string> filters, entry.StringList("filter_list"));
      if (filters.size() > 1) return entry.Wrong("filter_list", "one filter name");
      if (!filters.empty()) a.filter = filters[0];
      LFM_ASSIGN_OR_RETURN(a.weight_by_size, entry.Bool("weight_by_size", true));
      LFM_ASSIGN_OR_RETURN(std::string aggregation, entry.String("aggregation", "mean"));
      if (aggregation != "mean") return entry.Wrong("aggregation", "mean");
      LFM_ASSIGN_OR_RETURN(a.name, entry.String("name", a.metric));
      LFM_ASSIGN_OR_RETURN(std::string over, entry.String("over", "members"));
      if (over != "members" && over != "tasks") return entry.Wrong("over", "members or tasks");
      a.over_tasks = over == "tasks";
      g.aggregates.push_back(std::move(a));
    }
  }
  if (f.Has("metadata")) {
    LFM_ASSIGN_OR_RETURN(Fields metadata, f.Object("metadata"));
    LFM_RETURN_IF_ERROR(metadata.CheckKeys({"version", "source"}));
    g.version = VersionText(f.Raw("metadata"));
  }
  return g;
}

std::string Normalize(const std::string& path) { return fs::path(path).lexically_normal().string(); }

// The file's keys over its include chain's, as lm-eval merges them (shallow: this file wins).
StatusOr<json> LoadMerged(const std::string& path, const std::map<std::string, std::string>& texts,
                          std::vector<std::string>& stack) {
  if (std::find(stack.begin(), stack.end(), path) != stack.end()) {
    return Error(StatusCode::kInvalidArgument, "{}: include cycle ({})", path, fmt::join(stack, " -> "));
  }
  auto it = texts.find(path);
  if (it == texts.end()) return Error(StatusCode::kNotFound, "{}: no such spec file", path);
  json obj;
  try {
    obj = YamlToJson(YAML::Load(it->second));
  } catch (const YAML::Exception& e) {
    return Error(StatusCode::kInvalidArgument, "{}:{}:{}: YAML error: {}", path, e.mark.line + 1,
                 e.mark.column + 1, e.msg);
  }
  if (!obj.is_object()) return Error(StatusCode::kInvalidArgument, "{}: not a YAML mapping", path);
  if (!obj.contains("include")) return obj;
  if (!obj["include"].is_string()) {
    return Error(StatusCode::kInvalidArgument, "{}: 'include' must be a file name", path);
  }
  const std::string included =
      Normalize((fs::path(path).parent_path() / obj["include"].get<std::string>()).string());
  stack.push_back(path);
  auto base = LoadMerged(included, texts, stack);
  stack.pop_back();
  if (!base.ok()) return base.status().WithPrefix(path + ": include");
  json merged = std::move(base).value();
  for (const auto& [key, value] : obj.items()) {
    if (key != "include") merged[key] = value;
  }
  return merged;
}

// lm-eval's convention: a file without the .yaml extension ("_default_template_yaml") is only
// ever included, never loaded as a spec of its own.
bool IsTemplateFile(const std::string& path) { return fs::path(path).extension() != ".yaml"; }

}  // namespace

const char* OutputTypeName(OutputType type) {
  switch (type) {
    case OutputType::kMultipleChoice: return "multiple_choice";
    case OutputType::kLoglikelihood: return "loglikelihood";
    case OutputType::kLoglikelihoodRolling: return "loglikelihood_rolling";
    case OutputType::kGenerateUntil: return "generate_until";
  }
  return "?";
}

StatusOr<TaskRegistry> TaskRegistry::Load(const std::vector<SpecSource>& sources) {
  std::map<std::string, std::string> texts;
  for (const auto& s : sources) texts[Normalize(s.path)] = s.content;
  TaskRegistry reg;
  std::set<std::string> names;
  auto claim = [&](const std::string& name, const std::string& file) -> Status {
    if (!names.insert(name).second) {
      return Error(StatusCode::kInvalidArgument, "{}: the name '{}' is defined twice", file, name);
    }
    return OkStatus();
  };
  for (const auto& [path, text] : texts) {
    if (IsTemplateFile(path)) continue;
    std::vector<std::string> stack;
    LFM_ASSIGN_OR_RETURN(json obj, LoadMerged(path, texts, stack));
    // As in lm-eval, a group spec lists its members under `task`.
    if (!obj.contains("task") && !obj.contains("group")) {
      return Error(StatusCode::kInvalidArgument, "{}: a spec names a 'task' or a 'group'", path);
    }
    if (!obj.contains("group")) {
      LFM_ASSIGN_OR_RETURN(TaskSpec task, ParseTask(obj, path));
      LFM_RETURN_IF_ERROR(claim(task.task, path));
      for (const auto& tag : task.tags) reg.tags_[tag].push_back(task.task);
      std::string name = task.task;
      reg.tasks_.emplace(name, std::move(task));
    } else {
      LFM_ASSIGN_OR_RETURN(GroupSpec group, ParseGroup(obj, path));
      LFM_RETURN_IF_ERROR(claim(group.group, path));
      std::string name = group.group;
      reg.groups_.emplace(name, std::move(group));
    }
  }
  for (const auto& [tag, members] : reg.tags_) {
    if (reg.tasks_.count(tag) || reg.groups_.count(tag)) {
      return Error(StatusCode::kInvalidArgument, "tag '{}' is also the name of a task or group", tag);
    }
  }
  // Every group member must exist; groups may not contain themselves.
  for (const auto& [name, group] : reg.groups_) {
    for (const std::string& member : group.members) {
      if (!reg.tasks_.count(member) && !reg.groups_.count(member) && !reg.tags_.count(member)) {
        return Error(StatusCode::kInvalidArgument, "{}: group member '{}' is not a task, group or tag",
                     group.file, member);
      }
    }
  }
  for (const auto& [name, group] : reg.groups_) {
    auto leaves = reg.ExpandToTasks({name});
    if (!leaves.ok()) return leaves.status().WithPrefix(group.file);
  }
  return reg;
}

StatusOr<TaskRegistry> TaskRegistry::LoadBuiltin() {
  std::vector<SpecSource> sources;
  const std::string root = kEmbeddedRoot;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.path.rfind(root, 0) == 0) {
      sources.push_back({std::string(f.path.substr(root.size())), std::string(f.content)});
    }
  }
  return Load(sources);
}

StatusOr<TaskRegistry> TaskRegistry::LoadDirectory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error(StatusCode::kNotFound, "{}: no such tasks directory", dir);
  std::vector<SpecSource> sources;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool spec = entry.path().extension() == ".yaml" ||
                      (name.size() > 5 && name.compare(name.size() - 5, 5, "_yaml") == 0);
    if (!entry.is_regular_file() || !spec) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    sources.push_back({fs::relative(entry.path(), dir).string(), std::move(content)});
  }
  if (ec) return Error(StatusCode::kIo, "{}: {}", dir, ec.message());
  return Load(sources);
}

const TaskSpec* TaskRegistry::FindTask(const std::string& name) const {
  auto it = tasks_.find(name);
  return it == tasks_.end() ? nullptr : &it->second;
}

const GroupSpec* TaskRegistry::FindGroup(const std::string& name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

std::vector<std::string> TaskRegistry::TaskNames() const {
  std::vector<std::string> names;
  for (const auto& [name, task] : tasks_) names.push_back(name);
  return names;
}

std::vector<std::string> TaskRegistry::GroupNames() const {
  std::vector<std::string> names;
  for (const auto& [name, group] : groups_) names.push_back(name);
  return names;
}

std::vector<std::string> TaskRegistry::GroupMembers(const GroupSpec& group) const {
  std::vector<std::string> members;
  for (const std::string& m : group.members) {
    auto tag = tags_.find(m);
    if (tag != tags_.end()) {
      members.insert(members.end(), tag->second.begin(), tag->second.end());
    } else {
      members.push_back(m);
    }
  }
  return members;
}

StatusOr<std::vector<std::string>> TaskRegistry::ExpandToTasks(
    const std::vector<std::string>& names) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::vector<std::string> stack;
  std::function<Status(const std::string&)> expand = [&](const std::string& name) -> Status {
    if (tasks_.count(name)) {
      if (seen.insert(name).second) out.push_back(name);
      return OkStatus();
    }
    if (auto tag = tags_.find(name); tag != tags_.end()) {
      for (const auto& t : tag->second) LFM_RETURN_IF_ERROR(expand(t));
      return OkStatus();
    }
    auto group = groups_.find(name);
    if (group == groups_.end()) {
      std::vector<std::string> known = TaskNames();
      for (const auto& g : GroupNames()) known.push_back(g);
      for (const auto& [t, m] : tags_) known.push_back(t);
      return Error(StatusCode::kNotFound, "unknown task or group '{}'{}", name, DidYouMean(name, known));
    }
    if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
      return Error(StatusCode::kInvalidArgument, "group '{}' contains itself", name);
    }
    stack.push_back(name);
    for (const auto& member : group->second.members) LFM_RETURN_IF_ERROR(expand(member));
    stack.pop_back();
    return OkStatus();
  };
  for (const auto& name : names) LFM_RETURN_IF_ERROR(expand(name));
  return out;
}

}  // namespace lfm::evals
