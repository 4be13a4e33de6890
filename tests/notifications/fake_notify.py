"""A local fake of GOV.UK Notify's HTTP API, a real HTTP server in a thread.

It answers what the client (notifications-python-client) asks: POST /v2/notifications/email,
POST /v2/notifications/sms, GET /v2/notifications/{id}. Like Notify it checks the bearer token:
a JWT signed HS256 with the API key's secret whose `iss` is the key's service id (403 otherwise).
It records every request, can be told to answer 500 the next N times, and to report a delivery status.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"fgdm_test-{SERVICE_ID}-{SECRET}"


class FakeNotify:
    def __init__(self):
        self.requests: list[dict] = []  # every authorised request: method, path, json
        self.sent: dict[str, dict] = {}  # notification id -> what was sent
        self.fail_next = 0
        self.fail_status = 500
        self.delivery_status = "delivered"
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail(self, times: int, status: int = 500):
        self.fail_next, self.fail_status = times, status

    def posts(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                header = self.headers.get("Authorization", "")
                token = header.removeprefix("Bearer ")
                try:
                    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": True})
                except jwt.PyJWTError as error:
                    self._answer(403, {"status_code": 403, "errors": [{"error": "AuthError", "message": str(error)}]})
                    return False
                if claims.get("iss") != SERVICE_ID or "iat" not in claims:
                    self._answer(
                        403, {"status_code": 403, "errors": [{"error": "AuthError", "message": "Invalid token: iss"}]}
                    )
                    return False
                return True

            def _record(self, body):
                with fake._lock:
                    fake.requests.append({"method": self.command, "path": self.path, "json": body})
                    if fake.fail_next > 0:
                        fake.fail_next -= 1
                        return True
                return False

            def do_POST(self):
                if not self._authorised():
                    return
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self._record(body):
                    return self._answer(
                        fake.fail_status,
                        {
                            "status_code": fake.fail_status,
                            "errors": [{"error": "Exception", "message": "Internal server error"}],
                        },
                    )
                kind = self.path.rstrip("/").rsplit("/", 1)[-1]
                needs = {"email": "email_address", "sms": "phone_number"}.get(kind)
                if needs is None or not body.get(needs) or not body.get("template_id"):
                    return self._answer(
                        400, {"status_code": 400, "errors": [{"error": "BadRequestError", "message": "Missing data"}]}
                    )
                notification_id = str(uuid.uuid4())
                with fake._lock:
                    fake.sent[notification_id] = {"type": kind, **body}
                self._answer(
                    201,
                    {
                        "id": notification_id,
                        "reference": body.get("reference"),
                        "content": {},
                        "uri": f"{fake.base_url}/v2/notifications/{notification_id}",
                        "template": {"id": body["template_id"], "version": 1, "uri": ""},
                    },
                )

            def do_GET(self):
                if not self._authorised():
                    return
                if self._record(None):
                    return self._answer(fake.fail_status, {"status_code": fake.fail_status, "errors": []})
                notification_id = self.path.rstrip("/").rsplit("/", 1)[-1]
                sent = fake.sent.get(notification_id)
                if sent is None:
                    return self._answer(
                        404, {"status_code": 404, "errors": [{"error": "NoResultFound", "message": "No result found"}]}
                    )
                self._answer(
                    200,
                    {
                        "id": notification_id,
                        "type": sent["type"],
                        "status": fake.delivery_status,
                        "reference": sent.get("reference"),
                    },
                )

        return Handler
