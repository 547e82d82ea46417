"""A load client run as its own process: N threads with keep-alive connections GET paths in turn.

    python -m bench.load URL CLIENTS SECONDS MAX_REQUESTS COOKIE PATH [PATH ...]

Prints one JSON object: requests made, errors, wall seconds and every latency in seconds.
Bounded both in time and in count; it only ever talks to the given (loopback) URL.
"""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def client(host, port, paths, cookie, deadline, budget, latencies, errors, lock):
    """One client: requests the paths round-robin until the deadline or the shared budget ends."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    n = 0
    while time.perf_counter() < deadline:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        path = paths[n % len(paths)]
        n += 1
        start = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
            if response.getheader("Connection", "").lower() == "close":
                connection.close()  # the next request opens a new connection
        except (OSError, http.client.HTTPException):
            connection.close()
            ok = False
        elapsed = time.perf_counter() - start
        with lock:
            (latencies if ok else errors).append(elapsed)
    connection.close()


def main(argv):
    """Run the load and print its JSON result."""
    url, clients, seconds, max_requests, cookie, *paths = argv
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the load client only talks to loopback")
    latencies, errors, lock = [], [], threading.Lock()
    budget = [int(max_requests)]
    start = time.perf_counter()
    deadline = start + float(seconds)
    threads = [threading.Thread(target=client, args=(parts.hostname, parts.port, paths, cookie,
                                                     deadline, budget, latencies, errors, lock))
               for _ in range(int(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    print(json.dumps({"requests": len(latencies), "errors": len(errors), "seconds": wall,
                      "latencies": latencies}))


if __name__ == "__main__":
    main(sys.argv[1:])
