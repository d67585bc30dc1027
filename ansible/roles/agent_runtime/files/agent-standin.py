#!/usr/bin/python3
"""Stand-in for the agent until a release is configured (AGENT_RELEASE_URL).

It does no work: it answers GET /healthz on 127.0.0.1:$AGENT_PORT, so the service, its
restart policy and the health check can be exercised end to end.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Health(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        if self.path != "/healthz":
            self.send_error(404)
            return
        body = json.dumps({"status": "ok", "agent_id": os.environ.get("AGENT_ID", ""), "stand_in": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("AGENT_PORT", "8080"))), Health).serve_forever()
