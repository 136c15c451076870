#!/usr/bin/env bash
# End-to-end checks of `lfmbench serve` and of `eval run --model-url` / `eval creative-writing`
# against it, as real processes on loopback, on a tiny model made here:
#   1. the API: /health, /v1/models, completions and chat (streamed text == whole text), lm-eval's
#      log-likelihood payload (echo + logprobs + token ids), error objects (bad JSON, unknown model,
#      context too long, unknown route, body too large), a client that disconnects mid-stream, a
#      full queue answering 503 — and the server still serving after each;
#   2. eval run through the server gives the local engine's per-sample results (mmlu subject:
#      log-likelihood; gsm8k: generation);
#   3. a server killed mid-run and restarted: the client retries and the run's totals are the same;
#      a client interrupted mid-run resumes to the same totals;
#   4. creative writing judged by the server;
#   5. SIGTERM stops the server cleanly (exit 0);
#   6. --parallel 4 (continuous batching): concurrent requests, streamed or not, one of them
#      disconnecting mid-stream, each get the --parallel 1 response (the reference backend decodes
#      batched rows bit-identically: engine/batch_decode_test.cc), then SIGTERM mid-batch.
#   serve/serve_test.sh path/to/lfmbench path/to/shared
set -euo pipefail
. "$(dirname "$0")/../tests/test_lib.sh"
begin_test serve_test "$1" "${2:-}"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "serve_test: FAIL: $*"
  [ -f serve.log ] && tail -5 serve.log
  exit 1
}
engine=(--backend cpu -t 1)

# Starts the server on port $1 (0: any) with extra flags; sets server_pid and port.
start_server() {
  local want=$1
  shift
  : > serve.log
  "$bin" serve -m tiny.gguf "${engine[@]}" --port "$want" -q "$@" 2> serve.log &
  server_pid=$!
  for _ in $(seq 100); do grep -q "on http://" serve.log && break; sleep 0.1; done
  port=$(sed -n 's|.*on http://127.0.0.1:\([0-9]*\)/v1.*|\1|p' serve.log)
  [ -n "$port" ] || fail "server did not start: $(cat serve.log)"
}

"$bin" model make --preset tiny --type q8_0 --seed 5 -q -o tiny.gguf

# --- 1. the API -------------------------------------------------------------------------------
start_server 0 --max-queue 3 --max-body 100000
echo "serve_test: API checks ($(date +%T))"
python3 - "$port" <<'PY' || fail "API checks"
import http.client, json, socket, sys, threading, time
port = int(sys.argv[1])

def call(method, path, body=None, raw=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    c.request(method, path, body=data, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    text = r.read().decode()
    return r.status, (json.loads(text) if text else None)

def stream(path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = c.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/event-stream"), r.status
    events = [line[6:] for line in r.read().decode().split("\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]", events[-1]
    return [json.loads(e) for e in events[:-1]]

def healthy():
    s, j = call("GET", "/health")
    assert s == 200 and j == {"status": "ok"}, (s, j)

healthy()
s, j = call("GET", "/v1/models")
assert s == 200 and j["object"] == "list" and j["data"][0]["id"] == "tiny", j

# Completions: the streamed pieces concatenate to the whole (greedy) text.
req = {"model": "tiny", "prompt": "Once upon a time", "max_tokens": 24, "temperature": 0}
s, whole = call("POST", "/v1/completions", req)
assert s == 200 and whole["object"] == "text_completion", whole
ch = whole["choices"][0]
assert ch["finish_reason"] in ("length", "stop") and whole["usage"]["completion_tokens"] <= 24, whole
chunks = stream("/v1/completions", dict(req, stream=True))
assert "".join(c["choices"][0]["text"] for c in chunks) == ch["text"], (chunks, ch)
assert chunks[-1]["choices"][0]["finish_reason"] == ch["finish_reason"]
# The same prompt twice gives the same greedy text.
assert call("POST", "/v1/completions", req)[1]["choices"][0]["text"] == ch["text"]

# Chat, streamed and not.
creq = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 16, "temperature": 0}
s, cw = call("POST", "/v1/chat/completions", creq)
assert s == 200 and cw["object"] == "chat.completion" and cw["choices"][0]["message"]["role"] == "assistant", cw
cchunks = stream("/v1/chat/completions", dict(creq, stream=True))
assert cchunks[0]["choices"][0]["delta"]["role"] == "assistant"
assert "".join(c["choices"][0]["delta"].get("content", "") for c in cchunks) == cw["choices"][0]["message"]["content"]

# lm-eval's log-likelihood payload: token ids, echo, logprobs 1, max_tokens 1.
s, ll = call("POST", "/v1/completions", {"model": "tiny", "prompt": [[1, 300, 301, 302], [1, 400]],
             "temperature": 0, "max_tokens": 1, "logprobs": 1, "echo": True, "seed": 1234})
assert s == 200 and len(ll["choices"]) == 2, ll
for choice, n in zip(ll["choices"], (4, 2)):
    lp = choice["logprobs"]
    assert len(lp["token_logprobs"]) == n + 1 and lp["token_logprobs"][0] is None and lp["top_logprobs"][0] is None
    for tok, top in zip(lp["token_logprobs"][1:], lp["top_logprobs"][1:]):
        assert tok <= 0 and len(top) == 1 and tok <= max(top.values()) + 1e-12, (tok, top)
    # The generated token is the greedy one: its log-prob is the best.
    assert lp["token_logprobs"][-1] == max(lp["top_logprobs"][-1].values())
    assert lp["text_offset"] == sorted(lp["text_offset"])
assert ll["usage"]["prompt_tokens"] == 6

# Errors: OpenAI error objects, the server keeps serving.
def error(status, expect_status, j, code=None):
    assert status == expect_status and set(j["error"]) == {"message", "type", "param", "code"}, (status, j)
    if code: assert j["error"]["code"] == code, j
s, j = call("POST", "/v1/completions", raw="{bad json"); error(s, 400, j)
s, j = call("POST", "/v1/completions", {"model": "gpt-9", "prompt": "x"}); error(s, 404, j, "model_not_found")
s, j = call("POST", "/v1/completions", {"prompt": [5] * 5000, "max_tokens": 1}); error(s, 400, j, "context_length_exceeded")
s, j = call("POST", "/v1/completions", {"prompt": "x", "max_tokens": -1}); error(s, 400, j)
s, j = call("POST", "/v1/chat/completions", {"messages": "hi"}); error(s, 400, j)
s, j = call("GET", "/v1/nothing"); error(s, 404, j)
s, j = call("POST", "/v1/completions", raw=json.dumps({"prompt": "x" * 200000})); error(s, 413, j)
healthy()

# A client that goes away mid-stream: the server cancels it and keeps serving.
sock = socket.create_connection(("127.0.0.1", port))
body = json.dumps({"prompt": "Tell me", "max_tokens": 400, "temperature": 0, "stream": True})
sock.sendall(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Content-Length: %d\r\n\r\n%s" % (len(body), body)).encode())
sock.settimeout(60)
got = b""
while b"data: " not in got:  # the headers may come alone first
    chunk = sock.recv(4096)
    assert chunk, got
    got += chunk
sock.close()
# Half a request, then gone.
sock = socket.create_connection(("127.0.0.1", port))
sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"pro")
sock.close()
healthy()
assert call("POST", "/v1/completions", req)[1]["choices"][0]["text"] == ch["text"]

# A full queue (--max-queue 3) answers 503 at once; the admitted requests finish.
statuses = []
def long_request():
    statuses.append(call("POST", "/v1/completions", {"prompt": "a", "max_tokens": 64, "temperature": 0})[0])
threads = [threading.Thread(target=long_request) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
assert statuses.count(503) >= 1 and statuses.count(200) >= 3 and set(statuses) <= {200, 503}, statuses
healthy()
PY

# --- 5. SIGTERM (here, so later steps get a fresh server) ------------------------------------
kill -TERM "$server_pid"
wait "$server_pid" || fail "server exit status after SIGTERM: $?"
server_pid=""
grep -q "lfmbench serve: stopped" serve.log || fail "no clean stop: $(cat serve.log)"

# --- 2. eval run: local engine vs the same model served --------------------------------------
echo "serve_test: local vs remote ($(date +%T))"
start_server 0
url="http://127.0.0.1:$port/v1"
tasks=(--tasks mmlu_abstract_algebra,gsm8k --limit 2 --gen-kwargs max_gen_toks=16 --data-dir "$data" -q)
"$bin" eval run -m tiny.gguf "${engine[@]}" "${tasks[@]}" --db local.db > local.txt 2> local.log \
  || fail "local eval run: $(cat local.log)"
"$bin" eval run --model-url "$url" --model-name tiny --concurrency 3 "${tasks[@]}" --db remote.db > remote.txt \
  2> remote.log || fail "remote eval run: $(cat remote.log)"
cat > compare.py <<'PY'
import json, sqlite3, sys
def samples(path, lossy):
    db = sqlite3.connect(path)
    db.text_factory = bytes
    # A random model writes invalid UTF-8, which JSON cannot carry: the server sends U+FFFD for it.
    return {(t.decode(), d): (r.decode(errors="replace" if lossy else "strict"), json.loads(s)) for t, d, r, s in
            db.execute("select task, doc_id, response, scores_json from eval_samples")}
a, b = samples(sys.argv[1], True), samples(sys.argv[2], False)
assert a.keys() == b.keys() and len(a) == 4, (sorted(a), sorted(b))
def loglikelihoods(r):
    try:
        v = json.loads(r)
    except ValueError:
        return None
    return v if isinstance(v, list) and v and isinstance(v[0], list) else None
for key in a:
    (ra, sa), (rb, sb) = a[key], b[key]
    la, lb = loglikelihoods(ra), loglikelihoods(rb)
    if la is not None:
        # [logprob, is_greedy] per choice: the same greedy flags, log-probs equal up to the float
        # rounding of a prefill split differently (local: context, then continuation).
        assert len(la) == len(lb), key
        for (pa, ga), (pb, gb) in zip(la, lb):
            assert ga == gb and abs(pa - pb) <= 1e-4 * max(1.0, abs(pa)), (key, pa, pb, ga, gb)
    else:
        assert ra == rb, (key, ra, rb)
    assert sa.keys() == sb.keys(), key
    for m in sa:
        assert abs(sa[m] - sb[m]) <= 1e-9 if isinstance(sa[m], float) else sa[m] == sb[m], (key, m, sa[m], sb[m])
PY
python3 compare.py local.db remote.db || fail "local and remote samples differ"
python3 - "$url" <<'PY' || fail "remote provenance"
import sqlite3, sys
db = sqlite3.connect("remote.db")
row = db.execute("select backend, model_path, model_name, status from runs").fetchone()
assert row == ("remote", sys.argv[1], "tiny", "complete"), row
PY
if "$bin" eval run --model-url "$url" --model-name nope --tasks gsm8k --limit 1 --data-dir "$data" --db x.db -q \
  2> err.txt; then fail "unknown remote model accepted"; fi
grep -q "task gsm8k: .*model_not_found\|task gsm8k: .*does not exist" err.txt || fail "unknown model message: $(cat err.txt)"

# --- 3. the server killed and restarted mid-run; the client interrupted and resumed ---------
echo "serve_test: restart and resume ($(date +%T))"
gen=(--tasks gsm8k --limit 4 --num-fewshot 0 --gen-kwargs max_gen_toks=16 --batch-size 1 --concurrency 1 --data-dir "$data" -q)
"$bin" eval run --model-url "$url" --model-name tiny "${gen[@]}" --db full.db > full.txt 2>&1 || fail "full run"
"$bin" eval run --model-url "$url" --model-name tiny "${gen[@]}" --db killed.db > killed.txt 2> killed.log &
client=$!
for _ in $(seq 200); do
  n=$(python3 -c 'import sqlite3; print(sqlite3.connect("killed.db").execute("select count(*) from eval_samples").fetchone()[0])' 2>/dev/null || echo 0)
  [ "$n" -ge 2 ] && break
  sleep 0.05
done
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
sleep 1
start_server "$port"
wait "$client" || fail "client did not survive the restart: $(cat killed.log)"
cmp -s full.txt killed.txt || fail "totals after a server restart differ: $(diff full.txt killed.txt)"

"$bin" eval run --model-url "$url" --model-name tiny "${gen[@]}" --db resumed.db > /dev/null 2>&1 &
client=$!
for _ in $(seq 200); do
  n=$(python3 -c 'import sqlite3; print(sqlite3.connect("resumed.db").execute("select count(*) from eval_samples").fetchone()[0])' 2>/dev/null || echo 0)
  [ "$n" -ge 2 ] && break
  sleep 0.05
done
# (On a fast machine the client may be done already; the rerun must then find nothing to do.)
kill -INT "$client" 2>/dev/null || true
wait "$client" || true
"$bin" eval run --model-url "$url" --model-name tiny "${gen[@]}" --db resumed.db > resumed.txt 2>&1 || fail "resume"
cmp -s full.txt resumed.txt || fail "resumed totals differ: $(diff full.txt resumed.txt)"

# --- 4. creative writing, the served model as writer and judge ------------------------------
echo "serve_test: creative writing ($(date +%T))"
"$bin" eval creative-writing --model-url "$url" --model-name tiny --judge-url "$url" --judge-model tiny \
  --limit 2 --iterations 1 --max-tokens 16 --min-chars 1 --data-dir "$data" --db cw.db -q > cw.txt 2> cw.log \
  || true
# A random model's reply rarely holds a "name: number" line; either way the run says what it got.
grep -q "creative_writing_v3: no piece was scored" cw.log || grep -q "^creative_writing_v3: creative score" cw.txt \
  || fail "creative writing: $(cat cw.log cw.txt)"
python3 - "$url" <<'PY' || fail "creative writing samples"
import json, sqlite3, sys
db = sqlite3.connect("cw.db")
rows = db.execute("select doc_id, response, extracted_json from eval_samples order by doc_id").fetchall()
assert [r[0] for r in rows] == [0, 1], rows
for _, response, extracted in rows:
    e = json.loads(extracted)
    assert isinstance(e["judge_reply"], str) and e["failed"] is None, e
(settings,) = db.execute("select settings_json from eval_tasks").fetchone()
s = json.loads(settings)
assert s["judge_url"] == sys.argv[1] and s["judge_model"] == "tiny", s
PY
# A scripted judge: a fixed reply, so the score is known: (15 + (20 - 4)) / 2 = 15.5 -> 77.50.
python3 -u - > judge_port.txt <<'PY' &
import http.server, json
class Judge(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open("judge_request.json", "w") as f: json.dump(body, f)
        reply = "[Analysis]\nFine.\n\n[Scores]\n\nAdherence to Instructions: 15\n\nMeandering: 4\n"
        out = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                                       "finish_reason": "stop"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
s = http.server.HTTPServer(("127.0.0.1", 0), Judge)  # one request at a time
print(s.server_address[1], flush=True)
s.serve_forever()
PY
judge_pid=$!
for _ in $(seq 50); do [ -s judge_port.txt ] && break; sleep 0.1; done
"$bin" eval creative-writing --model-url "$url" --model-name tiny --judge-url "http://127.0.0.1:$(cat judge_port.txt)/v1" \
  --judge-model scripted --limit 2 --iterations 2 --max-tokens 16 --min-chars 1 --data-dir "$data" --db cw2.db -q \
  > cw2.txt 2> cw2.log || { kill "$judge_pid"; fail "creative writing with a scripted judge: $(cat cw2.log)"; }
kill "$judge_pid"
grep -q "creative score 77.50 / 100 (rubric 15.50 / 20; .*) over 4 pieces (0 failed); judge scripted at" cw2.txt \
  || fail "creative writing score: $(cat cw2.txt)"
python3 - <<'PY' || fail "judge request"
import json, sqlite3
body = json.load(open("judge_request.json"))
assert body["model"] == "scripted" and body["temperature"] == 0 and body["max_tokens"] == 1000, body
prompt = body["messages"][0]["content"]
assert "[TEST MODEL RESPONSE]" in prompt and "<SEED>" in prompt and "- Adherence to Instructions" in prompt
pieces = [r[0] for r in sqlite3.connect("cw2.db").execute("select response from eval_samples")]
assert any(p in prompt for p in pieces)
PY
# --- 6. --parallel 4 gives each request the --parallel 1 response ---------------------------
echo "serve_test: --parallel ($(date +%T))"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
cat > parallel.py <<'PY'
import http.client, json, socket, sys, threading
port, mode, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
# Prompts of different lengths and budgets, so requests finish at different steps and freed
# slots are refilled from the queue while others decode; one with a stop string, some streamed.
reqs = [{"prompt": "Once upon a time " * (i % 3 + 1) + str(i), "max_tokens": 6 + 5 * (i % 4),
         "temperature": 0, "stream": i % 3 == 1} for i in range(10)]
reqs[4]["stop"] = ["e"]
reqs[7]["messages"] = [{"role": "user", "content": "Hi " + str(7)}]
def run(i):
    r = dict(reqs[i])
    path = "/v1/chat/completions" if "messages" in r else "/v1/completions"
    if "messages" in r: del r["prompt"]
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", path, body=json.dumps(r), headers={"Content-Type": "application/json"})
    resp = c.getresponse()
    body = resp.read().decode()
    assert resp.status == 200, (i, resp.status, body)
    if not r["stream"]:
        ch = json.loads(body)["choices"][0]
        return ch.get("text", ch.get("message", {}).get("content")), ch["finish_reason"]
    events = [json.loads(l[6:]) for l in body.split("\n") if l.startswith("data: ") and l != "data: [DONE]"]
    text = "".join(e["choices"][0].get("text", e["choices"][0].get("delta", {}).get("content", "")) or "" for e in events)
    return text, events[-1]["choices"][0]["finish_reason"]
def hang_up():  # a streaming client that goes away after its first event
    s = socket.create_connection(("127.0.0.1", port))
    body = json.dumps({"prompt": "Tell me", "max_tokens": 300, "temperature": 0, "stream": True})
    s.sendall(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n\r\n%s" % (len(body), body)).encode())
    got = b""
    while b"data: " not in got:
        got += s.recv(4096)
    s.close()
results = [None] * len(reqs)
def worker(i):
    results[i] = run(i)
if mode == "serial":
    for i in range(len(reqs)): worker(i)
else:
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(reqs))]
    threads.append(threading.Thread(target=hang_up))
    for t in threads: t.start()
    for t in threads: t.join()
    assert all(results), results
json.dump(results, open(out, "w"))
PY
engine=(--backend reference -t 2)
start_server 0 --parallel 1
python3 parallel.py "$port" serial p1.json || fail "requests with --parallel 1"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
start_server 0 --parallel 4 --max-queue 16
python3 parallel.py "$port" concurrent p4.json || fail "concurrent requests with --parallel 4"
python3 - <<'PY' || fail "--parallel 4 responses differ from --parallel 1"
import json
a, b = json.load(open("p1.json")), json.load(open("p4.json"))
assert len(a) == 10 and a == b, [(i, x, y) for i, (x, y) in enumerate(zip(a, b)) if x != y]
assert len({t for t, _ in a}) > 5 and "stop" in {f for _, f in a} and "length" in {f for _, f in a}, a
PY
# SIGTERM while a batch decodes: the requests end (cancelled) and the server exits cleanly.
python3 - "$port" <<'PY' &
import http.client, json, sys, threading
def req():
    c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
    c.request("POST", "/v1/completions", body=json.dumps({"prompt": "a", "max_tokens": 3000, "temperature": 0}))
    c.getresponse().read()
ts = [threading.Thread(target=req) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
PY
clients=$!
sleep 1
kill -TERM "$server_pid"
wait "$server_pid" || fail "server exit status after SIGTERM with --parallel 4: $?"
server_pid=""
wait "$clients" || fail "clients of a server stopped mid-batch"
grep -q "lfmbench serve: stopped" serve.log || fail "no clean stop with --parallel 4: $(cat serve.log)"
echo "serve_test: ok"
