-- wrk's summary as one JSON line for bench/common.py (latencies in microseconds).
-- errors.status is wrk's "Non-2xx or 3xx responses" count: every status >= 400.
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "non_2xx": %.0f, ' ..
    '"connect": %.0f, "read": %.0f, "write": %.0f, "timeout": %.0f, ' ..
    '"p50_us": %.0f, "p90_us": %.0f, "p99_us": %.0f, "max_us": %.0f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
