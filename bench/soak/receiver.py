#!/usr/bin/python3
"""A Fluent Forward receiver for bench/soak.sh: counts the entries of every
message by tag, answers {"ack": chunk} when asked, and on SIGTERM
appends its counts as one JSON line to the file given (a restart is a new
process, a new line). Debian's python3-msgpack (/usr/bin/python3)."""
import io
import json
import signal
import socket
import sys
import threading
from collections import Counter

import msgpack

port, out_path = int(sys.argv[1]), sys.argv[2]
counts = Counter()
lock = threading.Lock()


def serve(conn):
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
    with conn:
        while True:
            try:
                data = conn.recv(1 << 16)
            except OSError:
                return
            if not data:
                return
            unpacker.feed(data)
            for msg in unpacker:
                if not isinstance(msg, list) or len(msg) < 2:
                    continue
                entries = msg[1]
                if isinstance(entries, (bytes, bytearray)):  # PackedForward
                    entries = list(msgpack.Unpacker(io.BytesIO(entries), raw=False))
                if not isinstance(entries, list):
                    entries = [[entries, msg[2]]] if len(msg) > 2 else []
                # By tag: counting each entry's event_type in Python would
                # make this receiver, not probelog, the bottleneck.
                with lock:
                    counts[str(msg[0])] += len(entries)
                opts = msg[2] if len(msg) > 2 and isinstance(msg[2], dict) else {}
                if "chunk" in opts:
                    try:
                        conn.sendall(msgpack.packb({"ack": opts["chunk"]}))
                    except OSError:
                        return


def stop(*_):
    with lock:
        with open(out_path, "a") as f:
            f.write(json.dumps(dict(counts)) + "\n")
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
