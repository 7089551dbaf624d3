"""A local stand-in for the W&B server, so that the real `wandb sync` (wandb 0.31's Go core) can
upload a run in a test and the test can look at exactly what arrived. Standard library only.

It answers
  POST /graphql                                  the operations `wandb sync` sends (UpsertBucket,
                                                 CreateRunFiles, NotifyScriptableRunAlert, Viewer,
                                                 ServerInfo/ServerFeaturesQuery, ...); an operation it
                                                 does not know gets {"data": {}} and is listed in
                                                 unknown_operations()
  POST /files/<entity>/<project>/<run>/file_stream  history, summary, events, console chunks, and the
                                                 final {"complete": true, "exitcode": N}
  PUT  /upload/<entity>/<project>/<run>/<file>   file uploads (CreateRunFiles hands out these URLs)
  POST /sdk/otel/v1/metrics                      wandb-core's metrics about itself (ignored)
and records every request (method, path, headers without Authorization, parsed body).

In a test:
    with FakeWandbServer() as srv:
        result = sync_file(run_dir, srv)           # runs the real `wandb sync <run_dir>`
        srv.history_rows(), srv.summary(), srv.exit_code(), srv.config(), srv.alerts(),
        srv.uploaded_files(), srv.operations(), srv.requests

By hand:
    python3 fake_wandb_server.py [--port 8080] [--log requests.json]
    WANDB_BASE_URL=http://127.0.0.1:8080 WANDB_API_KEY=$(printf 'x%.0s' {1..40}) wandb sync <run dir>
"""
import base64
import dataclasses
import gzip
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib

API_KEY = "x" * 40  # wandb 0.31 wants a key of 40+ characters; this one is fake
_FILE_STREAM = re.compile(r"^/files/([^/]+)/([^/]+)/([^/]+)/file_stream$")
_UPLOAD = re.compile(r"^/upload/([^/]+)/([^/]+)/([^/]+)/(.+)$")


def _decode_body(raw, headers):
    enc = (headers.get("Content-Encoding") or "").lower()
    if enc == "gzip":
        raw = gzip.decompress(raw)
    elif enc == "deflate":
        raw = zlib.decompress(raw)
    return raw


def _json_or_none(raw):
    try:
        return json.loads(raw)  # accepts NaN / Infinity as W&B writes them
    except (ValueError, UnicodeDecodeError):
        return None


def _operation_name(body):
    name = body.get("operationName")
    if name:
        return name
    m = re.search(r"\b(?:query|mutation)\s+(\w+)", body.get("query") or "")
    if m:
        return m.group(1)
    m = re.search(r"\{\s*(\w+)", body.get("query") or "")
    return m.group(1) if m else "?"


class FakeWandbServer:
    """The stand-in server. Start it with `with FakeWandbServer() as srv:` (or start()/stop())."""

    def __init__(self, host="127.0.0.1", port=0, log_path=None, entity="vitals-test"):
        self.host, self.port, self.log_path = host, port, log_path
        self.default_entity = entity
        self.requests = []  # every request, in arrival order
        self.runs = {}  # (entity, project, name) -> merged UpsertBucket variables
        self.file_stream = {}  # (entity, project, run) -> list of parsed file_stream bodies
        self.uploads = {}  # (entity, project, run, file name) -> bytes
        self._unknown = []
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None

    # -- life cycle -------------------------------------------------------------------------
    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def start(self):
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
                    raw = self._read_chunked()
                try:
                    status, out = srv._dispatch(self.command, self.path, dict(self.headers), raw)
                except Exception as e:  # a bug here must show, not hang the client
                    status, out = 500, {"errors": [{"message": f"fake server: {type(e).__name__}: {e}"}]}
                data = out if isinstance(out, bytes) else json.dumps(out).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _read_chunked(self):
                out = b""
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()

            do_POST = do_PUT = do_GET = do_PATCH = do_DELETE = _handle

        self._httpd = http.server.ThreadingHTTPServer((self.host, self.port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self.log_path:
            self.save_log(self.log_path)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def save_log(self, path):
        with self._lock:
            with open(path, "w") as f:
                json.dump(self.requests, f, indent=1, default=str)

    # -- requests ---------------------------------------------------------------------------
    def _dispatch(self, method, path, headers, raw):
        raw = _decode_body(raw, headers)
        body = _json_or_none(raw) if raw else None
        entry = {"time": time.time(), "method": method, "path": path,
                 "headers": {k: v for k, v in headers.items() if k.lower() != "authorization"},
                 "authorized": headers.get("Authorization", "").startswith("Basic "),
                 "body": body if body is not None else (base64.b64encode(raw).decode() if raw else None),
                 "body_is_json": body is not None}
        route = path.split("?", 1)[0]
        with self._lock:
            self.requests.append(entry)
            if method == "POST" and route.rstrip("/") == "/graphql":
                status, out = self._graphql(body or {}, entry)
            elif method == "POST" and _FILE_STREAM.match(route):
                key = _FILE_STREAM.match(route).groups()
                self.file_stream.setdefault(key, []).append(body or {})
                status, out = 200, {"exitcode": None, "limits": {}}
            elif method in ("PUT", "POST") and _UPLOAD.match(route):
                e, p, r, name = _UPLOAD.match(route).groups()
                self.uploads[(e, p, r, name)] = raw
                entry["body"], entry["body_is_json"] = f"<{len(raw)} bytes>", False
                status, out = 200, b""
            elif method == "POST" and route.startswith("/sdk/otel/"):
                status, out = 200, {}  # wandb-core's own OpenTelemetry metrics about itself
            else:
                self._unknown.append(f"{method} {path}")
                status, out = 200, {}
            entry["status"] = status
        return status, out

    def _graphql(self, body, entry):
        op = _operation_name(body)
        q = body.get("query") or ""
        v = body.get("variables") or {}
        entry["operation"] = op
        if "upsertBucket" in q:
            return 200, {"data": {"upsertBucket": self._upsert_bucket(v)}}
        if "createRunFiles" in q:
            e, p, r = v.get("entity"), v.get("project"), v.get("run")
            return 200, {"data": {"createRunFiles": {
                "runID": self._run_id(e, p, r), "uploadHeaders": [],
                "files": [{"name": f, "uploadUrl": f"{self.url}/upload/{e}/{p}/{r}/{f}"} for f in v.get("files", [])]}}}
        if "notifyScriptableRunAlert" in q:
            return 200, {"data": {"notifyScriptableRunAlert": {"success": True}}}
        if "historyLineCount" in q:  # RunResumeStatus: what a resumed run continues from
            return 200, {"data": {"model": self._resume_status(v)}}
        data = {}
        if re.search(r"\bviewer\b", q):
            data["viewer"] = {"id": "VXNlcjox", "entity": self.default_entity, "username": "vitals", "email": "",
                              "flags": "{}", "teams": {"edges": []}, "admin": False,
                              "defaultEntity": {"id": "RW50aXR5OjE=", "name": self.default_entity}}
        if re.search(r"\bserverInfo\b", q):
            data["serverInfo"] = {"cliVersionInfo": {"max_cli_version": "99.0.0", "min_cli_version": "0.0.1"},
                                  "latestLocalVersionInfo": None, "features": [], "availableBucketStorageProviders": []}
        if re.search(r"\bproject\s*\(", q) or re.search(r"\bmodel\s*\(", q):
            proj = {"id": "UHJvamVjdDox", "name": v.get("project") or v.get("name") or "project",
                    "entity": {"id": "RW50aXR5OjE=", "name": v.get("entity") or self.default_entity},
                    "run": None, "bucket": None}
            data["project" if re.search(r"\bproject\s*\(", q) else "model"] = proj
        if not data:
            self._unknown.append(op)
        return 200, {"data": data}

    def _resume_status(self, v):
        """As the real server answers RunResumeStatus: the run's line counts (where the resumed
        client's file_stream offsets start), the last history row, summary and config; bucket
        None when the run does not exist yet."""
        entity = v.get("entity") or self.default_entity
        project = v.get("project") or "uncategorized"
        key = (entity, project, v.get("name"))
        proj = {"id": "UHJvamVjdDox", "name": project, "entity": {"id": "RW50aXR5OjE=", "name": entity}}
        if key not in self.runs:
            return {**proj, "bucket": None}
        lines = {}
        for body in self.file_stream.get(key, []):
            for name, f in (body.get("files") or {}).items():
                for i, line in enumerate(f.get("content") or []):
                    lines.setdefault(name, {})[f.get("offset", 0) + i] = line
        count = {n: (max(d) + 1 if d else 0) for n, d in lines.items()}
        hist = lines.get("wandb-history.jsonl", {})
        summ = lines.get("wandb-summary.json", {})
        run = self.runs[key]
        config = run.get("config") if isinstance(run.get("config"), str) else "{}"
        wandb_cfg = json.loads(config).get("_wandb", {}).get("value", {})
        return {**proj, "bucket": {
            "id": self._run_id(*key), "name": key[2], "displayName": run.get("displayName"),
            "summaryMetrics": summ[max(summ)] if summ else "{}",
            "logLineCount": count.get("output.log", 0), "historyLineCount": count.get("wandb-history.jsonl", 0),
            "eventsLineCount": count.get("wandb-events.jsonl", 0),
            "historyTail": json.dumps([hist[max(hist)]] if hist else []), "eventsTail": "[]",
            "config": config, "tags": run.get("tags") or [], "notes": run.get("description"),
            "wandbConfig": json.dumps({"t": wandb_cfg.get("t")} if "t" in wandb_cfg else {})}}

    def _run_id(self, entity, project, name):
        return base64.b64encode(f"Run:v1:{name}:{project}:{entity}".encode()).decode()

    def _upsert_bucket(self, v):
        entity = v.get("entity") or self.default_entity
        project = v.get("project") or "uncategorized"
        name = v.get("name") or v.get("id") or "run"
        key = (entity, project, name)
        run = self.runs.setdefault(key, {"upserts": 0})
        run["upserts"] += 1
        for k, val in v.items():
            if val is not None:
                run[k] = val
        config = run.get("config")
        return {"bucket": {"id": self._run_id(*key), "name": name, "displayName": run.get("displayName") or name,
                           "description": run.get("description"), "config": config if isinstance(config, str) else "{}",
                           "sweepName": None, "historyLineCount": 0,
                           "project": {"id": "UHJvamVjdDox", "name": project,
                                       "entity": {"id": "RW50aXR5OjE=", "name": entity}}},
                "inserted": run["upserts"] == 1}

    # -- what arrived -----------------------------------------------------------------------
    def _run_key(self, run=None):
        keys = list(self.file_stream) or [k[:3] for k in self.uploads] or list(self.runs)
        if run is not None:
            keys = [k for k in keys if k[2] == run]
        if not keys:
            raise AssertionError(f"no run reached the server (runs: {list(self.runs)})")
        if len(set(keys)) > 1:
            raise AssertionError(f"several runs reached the server, name one: {sorted(set(keys))}")
        return keys[0]

    def file_lines(self, name, run=None):
        """The lines of one file_stream file (e.g. "wandb-history.jsonl", "output.log"), placed at
        the offsets the client sent, later sends of the same offset replacing earlier ones."""
        with self._lock:
            lines = {}
            for body in self.file_stream.get(self._run_key(run), []):
                f = (body.get("files") or {}).get(name)
                if f:
                    for i, line in enumerate(f.get("content") or []):
                        lines[f.get("offset", 0) + i] = line
        return [lines[i] for i in sorted(lines)]

    def history_rows(self, run=None):
        return [json.loads(line) for line in self.file_lines("wandb-history.jsonl", run)]

    def events_rows(self, run=None):
        return [json.loads(line) for line in self.file_lines("wandb-events.jsonl", run)]

    def console(self, run=None):
        return self.file_lines("output.log", run)

    def summary(self, run=None):
        """The last wandb-summary.json the client streamed (the run's final summary), or None."""
        lines = self.file_lines("wandb-summary.json", run)
        return json.loads(lines[-1]) if lines else None

    def exit_code(self, run=None):
        """The exit code of the final {"complete": true} file_stream request, or None if the
        client never marked the run complete."""
        with self._lock:
            done = [b for b in self.file_stream.get(self._run_key(run), []) if b.get("complete")]
        return done[-1].get("exitcode") if done else None

    def completed(self, run=None):
        with self._lock:
            return any(b.get("complete") for b in self.file_stream.get(self._run_key(run), []))

    def run_state(self, run=None):
        """The run as the server's upsertBucket calls left it (variables merged)."""
        with self._lock:
            key = self._run_key(run)
            same_name = [v for k, v in self.runs.items() if k[2] == key[2]]
            return dict(self.runs.get(key) or (same_name[-1] if same_name else {}))

    def config(self, run=None):
        """The run's config as uploaded ({key: value}, W&B's {"value": ...} wrappers removed)."""
        raw = self.run_state(run).get("config")
        cfg = json.loads(raw) if isinstance(raw, str) else (raw or {})
        return {k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in cfg.items()}

    def alerts(self):
        with self._lock:
            return [r["body"]["variables"] for r in self.requests
                    if r.get("operation") == "NotifyScriptableRunAlert" and isinstance(r.get("body"), dict)]

    def uploaded_files(self, run=None):
        """{file name: bytes} of everything PUT to the upload URLs."""
        with self._lock:
            return {k[3]: v for k, v in self.uploads.items() if run is None or k[2] == run}

    def operations(self):
        """GraphQL operation names in arrival order."""
        with self._lock:
            return [r["operation"] for r in self.requests if "operation" in r]

    def unknown_operations(self):
        with self._lock:
            return list(self._unknown)


@dataclasses.dataclass
class SyncResult:
    returncode: int
    stdout: str
    stderr: str
    command: list

    def __str__(self):
        return f"{' '.join(self.command)} -> rc {self.returncode}\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}"


def sync_env(server, home):
    """The environment `wandb sync` runs in: no real credentials, config and caches in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and k not in ("NETRC",)}
    env.update({"HOME": home, "WANDB_CONFIG_DIR": os.path.join(home, ".config", "wandb"),
                "WANDB_CACHE_DIR": os.path.join(home, ".cache", "wandb"),
                "WANDB_DATA_DIR": os.path.join(home, ".local", "share", "wandb"),
                "WANDB_BASE_URL": server.url, "WANDB_API_KEY": API_KEY,
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)
    return env


def sync_file(run_dir, server, args=(), beta=False, timeout=180, home=None):
    """Runs the real `wandb sync [args] <run_dir>` (or `wandb beta sync`) against `server` and
    returns a SyncResult; what arrived is on the server. HOME and W&B's config dirs are a
    temporary folder, the API key is API_KEY (fake), WANDB_MODE is unset."""
    own_home = home is None
    home = home or tempfile.mkdtemp(prefix="wandb_sync_home_")
    try:
        again = ["--no-skip-synced"] if beta else ["--include-synced"]  # sync leaves a .synced marker
        cmd = [sys.executable, "-m", "wandb", *(["beta", "sync"] if beta else ["sync"]), *again, *args, str(run_dir)]
        p = subprocess.run(cmd, capture_output=True, text=True, env=sync_env(server, home), cwd=home, timeout=timeout)
        return SyncResult(p.returncode, p.stdout, p.stderr, cmd)
    finally:
        if own_home:
            shutil.rmtree(home, ignore_errors=True)


def main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(description="A local stand-in W&B server that records every request.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--log", default="fake_wandb_requests.json", help="where to write the request log on exit")
    ap.add_argument("--sync", metavar="RUN_DIR", help="sync this run through the server, print what arrived, exit")
    a = ap.parse_args(argv)
    srv = FakeWandbServer(a.host, a.port, log_path=a.log)
    with srv:
        if a.sync:
            r = sync_file(a.sync, srv)
            print(r)
            print(json.dumps({"operations": srv.operations(), "unknown": srv.unknown_operations(),
                              "history_rows": srv.history_rows(), "summary": srv.summary(),
                              "exit_code": srv.exit_code(), "config": srv.config(),
                              "uploaded": sorted(srv.uploaded_files())}, indent=1, default=str))
            return r.returncode
        print(f"fake W&B server on {srv.url}; requests logged to {a.log} on Ctrl-C\n"
              f"  WANDB_BASE_URL={srv.url} WANDB_API_KEY={API_KEY} wandb sync <run dir>", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
