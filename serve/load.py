#!/usr/bin/env python3
"""Load for `lfmbench serve`: C concurrent clients, each sending R completion requests one after
another; prints aggregate completion tokens/s and request latency p50/p99.

    serve/load.py --url http://127.0.0.1:8080/v1 --clients 1,4,8 --requests 8 --max-tokens 32
"""
import argparse, http.client, json, threading, time, urllib.parse


def percentile(xs, q):
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def run(url, clients, requests, max_tokens, prompt):
    u = urllib.parse.urlparse(url)
    latencies, tokens, errors = [], [], []
    lock = threading.Lock()

    def client(i):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
        for r in range(requests):
            body = json.dumps({"prompt": f"{prompt} {i} {r}", "max_tokens": max_tokens, "temperature": 0})
            t0 = time.perf_counter()
            conn.request("POST", u.path + "/completions", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = json.loads(resp.read())
            dt = time.perf_counter() - t0
            with lock:
                if resp.status != 200:
                    errors.append(resp.status)
                else:
                    latencies.append(dt)
                    tokens.append(data["usage"]["completion_tokens"])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - t0
    return {"clients": clients, "requests": len(latencies), "errors": len(errors), "wall_s": wall,
            "tokens_per_s": sum(tokens) / wall, "requests_per_s": len(latencies) / wall,
            "p50_s": percentile(latencies, 0.5), "p99_s": percentile(latencies, 0.99)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--clients", default="1,4,8")
    p.add_argument("--requests", type=int, default=8, help="per client")
    p.add_argument("--max-tokens", type=int, default=32)
    p.add_argument("--prompt", default="Once upon a time")
    a = p.parse_args()
    print("clients  requests  errors  tokens/s  requests/s  p50 s  p99 s")
    for c in [int(x) for x in a.clients.split(",")]:
        r = run(a.url, c, a.requests, a.max_tokens, a.prompt)
        print(f"{r['clients']:7d}  {r['requests']:8d}  {r['errors']:6d}  {r['tokens_per_s']:8.1f}  "
              f"{r['requests_per_s']:10.2f}  {r['p50_s']:5.2f}  {r['p99_s']:5.2f}")


if __name__ == "__main__":
    main()
