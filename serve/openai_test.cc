#include "serve/openai.h"

#include <gtest/gtest.h>

namespace lfm::serve {
namespace {

Request Parse(const std::string& body, Endpoint endpoint = Endpoint::kCompletions) {
  Request r;
  ApiError e;
  EXPECT_TRUE(ParseRequest(body, endpoint, &r, &e)) << body << ": " << e.message;
  return r;
}

ApiError Reject(const std::string& body, Endpoint endpoint = Endpoint::kCompletions) {
  Request r;
  ApiError e;
  EXPECT_FALSE(ParseRequest(body, endpoint, &r, &e)) << body;
  return e;
}

TEST(OpenAiRequest, LmEvalLogLikelihoodPayload) {
  // What lm-eval's local-completions sends for loglikelihood requests (batched token ids).
  const Request r = Parse(
      R"({"model":"m","prompt":[[1,2,3],[1,4]],"temperature":0,"max_tokens":1,"logprobs":1,"seed":1234,"echo":true})");
  ASSERT_EQ(r.prompts.size(), 2u);
  EXPECT_TRUE(r.prompts[0].is_tokens);
  EXPECT_EQ(r.prompts[0].tokens, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(r.prompts[1].tokens, (std::vector<int32_t>{1, 4}));
  EXPECT_EQ(r.model, "m");
  EXPECT_EQ(*r.max_tokens, 1);
  EXPECT_EQ(r.logprobs, 1);
  EXPECT_TRUE(r.echo);
  EXPECT_EQ(r.sampling.temperature, 0.0f);
  EXPECT_TRUE(r.seeded);
  EXPECT_EQ(r.sampling.seed, 1234u);
}

TEST(OpenAiRequest, PromptShapesAndDefaults) {
  Request r = Parse(R"({"prompt":"hi"})");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_FALSE(r.prompts[0].is_tokens);
  EXPECT_EQ(r.prompts[0].text, "hi");
  EXPECT_FALSE(r.max_tokens.has_value());
  EXPECT_EQ(r.sampling.temperature, 1.0f);  // OpenAI's default
  EXPECT_EQ(r.logprobs, -1);
  r = Parse(R"({"prompt":["a","b"],"stop":"\n"})");
  EXPECT_EQ(r.prompts.size(), 2u);
  EXPECT_EQ(r.stop, std::vector<std::string>{"\n"});
  r = Parse(R"({"prompt":[5,6],"stop":["x","y"],"top_k":-1})");
  EXPECT_TRUE(r.prompts[0].is_tokens);
  EXPECT_EQ(r.stop.size(), 2u);
  EXPECT_EQ(r.sampling.top_k, 0);
}

TEST(OpenAiRequest, ChatMessages) {
  const Request r = Parse(
      R"({"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],"max_completion_tokens":7,"stream":true})",
      Endpoint::kChat);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "ab");
  EXPECT_EQ(*r.max_tokens, 7);
  EXPECT_TRUE(r.stream);
}

TEST(OpenAiRequest, BadRequestsNameTheField) {
  EXPECT_EQ(Reject("{not json").message, "the request body is not valid JSON");
  EXPECT_EQ(Reject("[1]").message, "the request body must be a JSON object");
  EXPECT_EQ(Reject(R"({"max_tokens":1})").param, "prompt");
  EXPECT_EQ(Reject(R"({"prompt":{}})").param, "prompt");
  EXPECT_EQ(Reject(R"({"prompt":[-1]})").param, "prompt");
  EXPECT_EQ(Reject(R"({"prompt":"x","max_tokens":"5"})").param, "max_tokens");
  EXPECT_EQ(Reject(R"({"prompt":"x","max_tokens":1.5})").param, "max_tokens");
  EXPECT_EQ(Reject(R"({"prompt":"x","temperature":3})").param, "temperature");
  EXPECT_EQ(Reject(R"({"prompt":"x","logprobs":21})").param, "logprobs");
  EXPECT_EQ(Reject(R"({"prompt":"x","n":2})").param, "n");
  EXPECT_EQ(Reject(R"({"prompt":"x","stop":[1]})").param, "stop");
  EXPECT_EQ(Reject(R"({"prompt":"x","stream":"yes"})").param, "stream");
  EXPECT_EQ(Reject(R"({"prompt":["a","b"],"stream":true})").param, "prompt");
  EXPECT_EQ(Reject(R"({"prompt":"a","stream":true,"logprobs":1})").param, "logprobs");
  EXPECT_EQ(Reject(R"({"messages":[]})", Endpoint::kChat).param, "messages");
  EXPECT_EQ(Reject(R"({"messages":[{"content":"x"}]})", Endpoint::kChat).param, "messages");
  EXPECT_EQ(
      Reject(R"({"messages":[{"role":"user","content":"x"}],"logprobs":true})", Endpoint::kChat)
          .param,
      "logprobs");
  EXPECT_EQ(Reject(R"({"prompt":"x"})", Endpoint::kChat).param, "messages");
}

TEST(OpenAiError, ShapeIsOpenAis) {
  ApiError e;
  e.http_status = 404;
  e.message = "no such model";
  e.param = "model";
  e.code = "model_not_found";
  const nlohmann::json j = ErrorJson(e);
  EXPECT_EQ(j["error"]["message"], "no such model");
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_EQ(j["error"]["param"], "model");
  EXPECT_EQ(j["error"]["code"], "model_not_found");
  e.param.clear();
  EXPECT_TRUE(ErrorJson(e)["error"]["param"].is_null());
  // Invalid UTF-8 (half a character) does not throw.
  EXPECT_EQ(DumpJson(nlohmann::json(std::string("a\xe2\x82"))), "\"a\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace lfm::serve
