#!/usr/bin/env python3
"""Where the CPU of one benchmark operation went: reads `perf script` output (samples with
call graphs, from `govshare-bench --profile DIR`) on stdin and prints, as shares of all
samples, the part of the process each sample belongs to and, within each part, the frames
that cost most.

A sample belongs to the first part (in the order of PARTS) whose thread name or whose stack
matches. Shares are of samples, so of CPU time; perf's own overhead is not in them.

    perf script -i DIR/getentry-access-log-on.data | scripts/lib/profile_summary.py
"""

import collections
import re
import sys

# (part, thread name pattern or None, stack pattern or None): the first match wins.
PARTS = [
    ("access-log writer (encode, chain hash, write, fdatasync)", r"^audit-writer", None),
    ("store group commit (decide, sled batch, flush, fdatasync)", r"^govshare-writer", None),
    ("sled I/O threads", r"^sled-io", None),
    ("sled flusher", r"^sled-flush", None),
    ("search indexer", None, r"search::indexer"),
    ("server: one call (tower layers, handler, codec, stream)", None, r"hyper::proto::h2::server::H2Stream"),
    ("server: HTTP/2 connection (frames, hpack, socket)", None, r"tonic::transport::server::serve_connection"),
    ("client: HTTP/2 connection", None, r"h2::client::Connection|hyper::proto::h2::client::ConnTask"),
    ("client: tonic channel (buffer, request task)", None, r"tonic::transport::channel"),
    ("client: load generator and reply decoding", None, r"govshare_bench::"),
    ("etcd client", None, r"etcd"),
    ("runtime (scheduler, parking, stacks perf could not unwind)", r"^tokio-rt-worker", None),
]

# Inclusive shares inside the server's per-call part: a sample counts under every label whose
# pattern one of its frames matches.
CALL_DETAIL = [
    ("observe layer and under it", r"observe::layer::ObserveService<S> as tower_service::Service"),
    ("authentication layer and under it", r"auth::AuthService<S> as tower_service::Service"),
    ("limits layer and under it", r"limits::layer::LimitService<S> as tower_service::Service"),
    ("handler (service method)", r"_server::\w+Server<T> as tower_service::Service"),
    ("request decoding", r"tonic::codec::prost::ProstDecoder|tonic::codec::decode"),
    ("reply encoding", r"tonic::codec::prost::ProstEncoder|tonic::codec::encode"),
    ("access record (build, queue, wait)", r"observe::call::Call::|AccessLog>::append"),
    ("store reads (sled, decoding)", r"govshare_store::"),
    ("JSON", r"serde_json::"),
    ("allocation", r"\bmi_|_mi_"),
]


def samples(lines):
    """(thread name, [frames, leaf first]) for each sample."""
    comm, frames = None, []
    for line in lines:
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif line[0] not in " \t":
            comm, frames = line.split()[0], []
        else:
            parts = line.strip().split(None, 1)
            frames.append(parts[1] if len(parts) > 1 else parts[0])
    if comm is not None:
        yield comm, frames


def leaf_symbol(frames):
    if not frames:
        return "?"
    sym = re.sub(r"\+0x[0-9a-f]+.*$", "", frames[0])
    sym = re.sub(r"\s*\(.*\)$", "", sym)
    return sym[:100]


def main():
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    parts = collections.Counter()
    leaves = collections.defaultdict(collections.Counter)
    detail = collections.Counter()
    total = 0
    for comm, frames in samples(sys.stdin):
        total += 1
        stack = "\n".join(frames)
        part = f"other threads ({comm})"
        for name, thread, pattern in PARTS:
            if (thread and re.search(thread, comm)) or (pattern and re.search(pattern, stack)):
                part = name
                break
        parts[part] += 1
        leaves[part][leaf_symbol(frames)] += 1
        if part.startswith("server: one call"):
            for label, pattern in CALL_DETAIL:
                if re.search(pattern, stack):
                    detail[label] += 1
    if total == 0:
        print("no samples")
        return
    print(f"{total} samples")
    for part, n in parts.most_common():
        print(f"{100 * n / total:5.1f}%  {part}")
        for sym, m in leaves[part].most_common(top):
            print(f"         {100 * m / total:5.1f}%  {sym}")
        if part.startswith("server: one call") and detail:
            print("         inclusive, within the call:")
            for label, _ in CALL_DETAIL:
                if detail[label]:
                    print(f"         {100 * detail[label] / total:5.1f}%  {label}")


if __name__ == "__main__":
    main()
