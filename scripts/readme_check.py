"""Run every command the README shows, as written, against a running `make demo`.

`make readme-check` (CI runs it after `make test`): starts the demo exactly as `make demo`
does (embedded services, port 8000), waits until it is up, then runs each `curl …` and
`.venv/bin/python manage.py …` line and each ```python block of the README through bash, in
order, from the repository root (a block that sends mail must see its invoice arrive). The
README's placeholders are filled the way a newcomer fills them: `<token>` with the token the
previous command printed, `~/Downloads/evidence-pack-<id>.pdf` with a pack asked for as the
README says and downloaded under the name the portal gives it. Each command
must exit 0; the pack must verify; `write_events_doc` must leave docs/events.md unchanged; every
demo URL in the README must answer. A placeholder this script does not know fails the check,
so a new README command cannot go unchecked."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
PORT = "8000"  # the port the README writes
PYTHON = str(ROOT / ".venv" / "bin" / "python")
KNOWN = {"<token>", "<id>"}


def log(message: str) -> None:
    print(f"[readme-check] {message}", flush=True)


def commands() -> list[str]:
    """The README's commands, in order: lines of ```sh blocks and inline code spans that run
    curl or manage.py (a backslash continues a line)."""
    found: list[tuple[int, int, str]] = []
    for block in re.finditer(r"```sh\n(.*?)```", README, re.S):
        text = re.sub(r"\\\n\s*", "", block.group(1))
        for line in text.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(("curl ", ".venv/bin/python manage.py ")):
                found.append((block.start(), len(found), line))
    for span in re.finditer(r"`(\.venv/bin/python manage\.py [^`]+)`", README):
        found.append((span.start(), len(found), span.group(1)))
    for block in re.finditer(r"```python\n(.*?)```", README, re.S):
        found.append((block.start(), len(found), f"{PYTHON} - <<'PY'\n{block.group(1)}PY"))
    return [line for _pos, _n, line in sorted(found)]


def invoice_arrives(number: str) -> None:
    """The invoice a README snippet mailed shows in the tenant's invoices within seconds."""
    token, deadline = auditor_token(), time.monotonic() + 60
    url = f"http://127.0.0.1:{PORT}/api/v1/invoices/?q={number}"
    while time.monotonic() < deadline:
        with _request(url, host="acme.localhost", token=token) as response:
            found = json.loads(response.read())["results"]
        if any(row["invoice_number"] == number for row in found):
            log(f"{number} arrived by e-mail")
            return
        time.sleep(1)
    raise SystemExit(f"{number}, sent by e-mail as the README says, did not arrive")


def _request(url: str, *, host: str, token: str = "", body: Any = None) -> Any:
    headers = {"Host": host, "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (loopback)
    return urllib.request.urlopen(request, timeout=30)  # noqa: S310


def wait_until_up(demo: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            raise SystemExit(f"make demo exited with {demo.returncode}")
        try:
            with _request(f"http://127.0.0.1:{PORT}/login/", host="acme.localhost"):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(2)
    raise SystemExit("make demo did not come up in 15 minutes")


def auditor_token() -> str:
    body = {
        "username": "auditor@acme.example",
        "password": os.environ.get("DEMO_PASSWORD", "demo-pass-2026"),
    }
    url = f"http://127.0.0.1:{PORT}/api/v1/auth/token/"
    with _request(url, host="acme.localhost", body=body) as response:
        return str(json.loads(response.read())["token"])


def evidence_pack(token: str, downloads: Path) -> Path:
    """Ask for a pack of REQ-000001 as the README says (by its number), wait, download."""
    base, host = f"http://127.0.0.1:{PORT}/api/v1", "acme.localhost"
    with _request(f"{base}/requisitions/?q=REQ-000001", host=host, token=token) as response:
        requisition = json.loads(response.read())["results"][0]["id"]
    body = {"subject_type": "requisition", "subject_id": requisition}
    with _request(f"{base}/evidence-packs/", host=host, token=token, body=body) as response:
        pack = json.loads(response.read())
    deadline = time.monotonic() + 120
    while pack["status"] != "ready":
        if pack["status"] == "failed" or time.monotonic() > deadline:
            raise SystemExit(f"the evidence pack did not build: {pack}")
        time.sleep(1)
        with _request(f"{base}/evidence-packs/{pack['id']}/", host=host, token=token) as response:
            pack = json.loads(response.read())
    with _request(
        f"{base}/evidence-packs/{pack['id']}/download/", host=host, token=token
    ) as response:
        disposition = response.headers["Content-Disposition"]
        name = re.search(r'filename="?([^";]+)', disposition).group(1)  # type: ignore[union-attr]
        expected = f"evidence-pack-{pack['id']}.pdf"
        if name != expected:
            raise SystemExit(f"the portal names the pack {name!r}; the README says {expected!r}")
        path = downloads / name
        path.write_bytes(response.read())
    return path


def demo_urls() -> list[str]:
    """The pages the README points at (API calls are among the commands)."""
    urls = set(re.findall(r"http://[a-z.]*localhost:8000/[\w/.-]*", README))
    return sorted(u for u in urls if "/api/v1/" not in u)


def check_urls() -> None:
    for url in demo_urls():
        host = url.split("/")[2].split(":")[0]
        direct = url.replace(f"{host}:", "127.0.0.1:", 1)
        request = urllib.request.Request(direct, headers={"Host": f"{host}:{PORT}"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            log(f"{url} → {response.status}")


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PORT"] = PORT
    home = Path(tempfile.mkdtemp(prefix="readme-check-"))
    (home / "Downloads").mkdir()
    demo = subprocess.Popen(
        ["make", "demo"], cwd=ROOT, env=env, start_new_session=True
    )  # the README's first command, as written
    try:
        wait_until_up(demo)
        log("the demo is up")
        check_urls()
        token = ""
        pack: Path | None = None
        for line in commands():
            command = line
            for placeholder in set(re.findall(r"<[^>]+>", command)) - KNOWN:
                raise SystemExit(f"unknown placeholder {placeholder} in: {line}")
            if "<token>" in command:
                command = command.replace("<token>", token)
            if "evidence-pack-<id>.pdf" in command:
                if pack is None:
                    pack = evidence_pack(auditor_token(), home / "Downloads")
                command = command.replace("evidence-pack-<id>.pdf", pack.name)
            log(f"$ {line}")
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=ROOT,
                env={**env, "HOME": str(home)},
                capture_output=True,
                text=True,
            )
            print(result.stdout[-2000:], result.stderr[-2000:], sep="\n", flush=True)
            if result.returncode != 0:
                raise SystemExit(f"exit {result.returncode}: {line}")
            if line.startswith("curl "):
                answer = json.loads(result.stdout)
                if "code" in answer:  # an error body (curl -s exits 0 on any status)
                    raise SystemExit(f"{line} answered {answer}")
                token = answer.get("token", token)
            if "verify_evidence_pack" in line and "VERIFIED" not in result.stdout:
                raise SystemExit("the evidence pack did not verify")
            mailed = re.search(r"Invoice (INV-[A-Z0-9-]+)", line)
            if "smtplib" in line and mailed:
                invoice_arrives(mailed.group(1))
            if "write_events_doc" in line:
                diff = ["git", "diff", "--exit-code", "docs/events.md"]
                subprocess.run(diff, cwd=ROOT, check=True)
        log(f"{len(commands())} README commands and {len(demo_urls())} demo URLs work as written")
        return 0
    finally:
        os.killpg(demo.pid, signal.SIGINT)  # Ctrl-C, as the README says
        demo.wait(120)


if __name__ == "__main__":
    sys.exit(main())
