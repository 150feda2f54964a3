"""Session-wide test set-up against real PostgreSQL (and real Redis where Celery is involved).

The test database is migrated once (public schema and the tenant template), and two client
tenants are cloned from the template once per session and shared: `tenant_a` at
a.localhost and `tenant_b` at b.localhost. Each test runs in a transaction that is rolled back.
Tests that need committed rows (browser, Celery worker) use the committed fixtures below.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from config import queues

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.org"]
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: Any, django_db_blocker: Any) -> Iterator[None]:
    from django.test.utils import setup_databases, teardown_databases

    # `make mutants` runs pytest once per mutant: there the test database is made once and kept
    # (SPENDGATE_KEEP_TEST_DB=1), everywhere else it is made fresh and dropped.
    keep = os.environ.get("SPENDGATE_KEEP_TEST_DB") == "1"
    with django_db_blocker.unblock():
        # Runs apps.tenancy's `migrate`: public schema plus the tenant template.
        config = setup_databases(verbosity=0, interactive=False, keepdb=keep)
        from apps.tenancy.models import Client

        if not (keep and Client.objects.filter(slug="tenantb").exists()):
            _provision_session_tenants()
    yield
    if keep:
        return
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        # Servers and workers started by tests have exited, but PostgreSQL may not have
        # noticed yet; their sessions would block DROP DATABASE.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        teardown_databases(config, verbosity=0)


def _provision_session_tenants() -> None:
    from apps.demo.tenants import ensure_partner_admin, ensure_public_tenant
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client
    from apps.tenancy.services import tenant_provision

    ensure_public_tenant("localhost")
    partner_user = ensure_partner_admin(
        email="partner@partner.test", partner_name="Test Partners", password=PASSWORD
    )
    ensure_partner_admin(email="other@rival.test", partner_name="Rival Partners", password=PASSWORD)
    # one partner user per other role: operator@, support@, billing@partner.test
    for role in ("operator", "support", "billing"):
        ensure_partner_admin(
            email=f"{role}@partner.test",
            partner_name="Test Partners",
            password=PASSWORD,
            role=f"partner_{role}",
            name=(role.title(), "Partner"),
        )
    for slug, portal, colour in (
        ("a", "Alpha Purchasing", "#0B5FFF"),
        ("b", "Beta Buying Desk", "#D6336C"),
    ):
        tenant_provision(
            actor=partner_user,
            slug=f"tenant{slug}",
            name=f"Tenant {slug.upper()}",
            domain=f"{slug}.localhost",
            brand={"portal_name": portal, "primary_color": colour},
        )
    for slug in ("tenanta", "tenantb"):
        with tenant_context(Client.objects.get(slug=slug)):
            mfa_required_roles_set([])


@pytest.fixture(autouse=True)
def _start_in_english() -> None:
    """A request leaves its reader's language active in the thread (the language middleware
    activates it, nothing deactivates it); each test starts in the default language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _start_on_the_public_schema(request: Any) -> None:
    """A request leaves the connection on its tenant's schema; each test starts on public."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        connection.set_schema_to_public()


def _tenant(slug: str) -> Any:
    from apps.tenancy.models import Client

    return Client.objects.get(slug=slug)


@pytest.fixture
def tenant_a(db: None) -> Any:
    return _tenant("tenanta")


@pytest.fixture
def tenant_b(db: None) -> Any:
    return _tenant("tenantb")


@pytest.fixture
def in_tenant(db: None) -> Callable[[Any], Any]:
    """`with in_tenant(tenant_a): ...` runs the block in that tenant's schema."""
    from apps.tenancy.context import tenant_context

    return tenant_context


@pytest.fixture
def make_user(in_tenant: Callable[[Any], Any]) -> Callable[..., Any]:
    from apps.accounts.services import user_ensure

    def make(tenant: Any, local: str, roles: list[str], **extra: Any) -> Any:
        with in_tenant(tenant):
            return user_ensure(
                email=f"{local}@{tenant.slug}.test", password=PASSWORD, roles=roles, **extra
            )

    return make


def count_queries(request: Callable[[], Any]) -> int:
    """Queries one call makes, counted at once (Django clears its query log per request)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        request()
    return len(context.captured_queries)


def host_of(tenant: Any) -> str:
    return tenant.domains.get(is_primary=True).domain


@pytest.fixture
def api_for() -> Callable[..., APIClient]:
    """An API client on the tenant's host, signed in with a real token when a user is given."""

    def make(tenant: Any, user: Any = None) -> APIClient:
        client = APIClient(HTTP_HOST=host_of(tenant) if tenant is not None else "localhost")
        if user is not None:
            sign_in = {"username": user.email, "password": PASSWORD}
            if tenant is not None:
                sign_in.update(_otp_if_enrolled(tenant, user))
            response = client.post("/api/v1/auth/token/", sign_in, format="json")
            assert response.status_code == 200, response.content
            client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return client

    return make


def _otp_if_enrolled(tenant: Any, user: Any) -> dict[str, str]:
    """The `otp` of a token sign-in, for a person with an authenticator (docs/identity.md)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.tenancy.context import tenant_context

    with tenant_context(tenant):
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return {}
        return {"otp": fresh_code(user)["HTTP_X_SPENDGATE_OTP"]}


@pytest.fixture
def partner_api(db: None) -> APIClient:
    return partner_api_for("partner@partner.test")  # type: ignore[no-any-return]


# the rows the demo seed leaves, per table it touched: (schema, table) -> COPY BINARY data
_DEMO_SNAPSHOT: dict[tuple[str, str], bytes] = {}


def _demo_tables_touched() -> list[tuple[str, str]]:
    """The tables this transaction wrote to (PostgreSQL's own per-transaction counters)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, relname FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
            " AND schemaname NOT LIKE 'pg\\_%%' ORDER BY 1, 2"  # not the seed's temporary tables
        )
        return [(schema, table) for schema, table in cursor.fetchall()]


def _demo_snapshot_take() -> None:
    with connection.cursor() as cursor:
        for schema, table in _demo_tables_touched():
            chunks: list[bytes] = []
            name = f'"{schema}"."{table}"'
            with cursor.copy(f"COPY {name} TO STDOUT (FORMAT BINARY)") as copy:
                chunks.extend(bytes(chunk) for chunk in copy)
            _DEMO_SNAPSHOT[(schema, table)] = b"".join(chunks)


def _demo_snapshot_restore() -> None:
    """The seeded rows again, inside the module's transaction: each touched table is emptied
    and refilled as the seed left it (triggers off for the reload: the audit trail's rows come
    back exactly, hashes included). Row deletes, not TRUNCATE: other connections keep reading
    the committed rows of shared tables meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for schema, table in _DEMO_SNAPSHOT:
            cursor.execute(f'DELETE FROM "{schema}"."{table}"')
        for (schema, table), data in _DEMO_SNAPSHOT.items():
            with cursor.copy(f'COPY "{schema}"."{table}" FROM STDIN (FORMAT BINARY)') as copy:
                copy.write(data)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


@pytest.fixture(scope="module")
def demo_data(django_db_setup: None, django_db_blocker: Any) -> Any:
    """tenant_a holds the demo's months of activity for this module (every list has rows to
    check against the schema); rolled back when the module ends. The first module seeds it
    through the services; later modules get the same rows back from a snapshot of what that
    seed wrote (a seed takes most of a minute, the reload seconds)."""
    from django.db import transaction

    from apps.demo.suppliers import ensure_sanctions_list
    from apps.demo.tenants import seed_tenant
    from apps.tenancy.context import public_context
    from apps.tenancy.models import Client

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            connection.set_schema_to_public()
            if _DEMO_SNAPSHOT:
                _demo_snapshot_restore()
            else:
                with public_context():
                    ensure_sanctions_list()
                    seed_tenant(Client.objects.get(slug="tenanta"), password=PASSWORD)
                connection.set_schema_to_public()
                _demo_snapshot_take()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --------------------------------------------------------------------------- committed data
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def subprocess_env() -> dict[str, str]:
    """Environment for a server or worker process that must see the test database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    url = f"postgresql://{db['USER']}@/{db['NAME']}?host={host}&port={port}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(ROOT),
    }


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


@contextlib.contextmanager
def runserver() -> Iterator[int]:
    """A new real HTTP server (runserver, threaded) on the test database; yields its port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def live_server_url(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A real HTTP server (runserver, threaded) on the test database, for the browser."""
    with runserver() as port:
        yield f"http://{{host}}:{port}"


@contextlib.contextmanager
def celery_worker(
    *, stderr: Any = None, mail_dir: str | os.PathLike[str] | None = None, **env: str
) -> Iterator[None]:
    """A real Celery worker (solo pool) consuming every queue (config/queues.py) on the
    suite's Redis database and test database, with `env` added to its environment (and its log
    lines to `stderr`, a file, when given). With `mail_dir` it keeps the mail it sends there,
    per tenant, for the test to read with `apps.tenancy.devmail.kept_mail` under
    `override_settings(DEV_MAIL_DIR=mail_dir)`."""
    if mail_dir is not None:
        env["SPENDGATE_TEST_MAIL_DIR"] = str(mail_dir)
    celery = os.path.join(os.path.dirname(sys.executable), "celery")
    proc = subprocess.Popen(
        [celery, "-A", "config", "worker", "--pool", "solo", "-Q", ",".join(queues.consumed()),
         "-n", f"test-worker-{os.getpid()}@%h", "-l", env.get("LOG_LEVEL", "warning").lower()],
        cwd=ROOT,
        env={**subprocess_env(), **env},
        stderr=stderr,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def celery_worker_process(django_db_setup: None) -> Iterator[None]:
    with celery_worker():
        yield


def poll(
    check: Callable[[], Any],
    *,
    timeout: float = 60,
    what: str = "condition",
    interval: float = 0.25,
) -> Any:
    """Wait for something another process does (no sleeping a fixed time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


# --------------------------------------------------------------------------- partner sign-in
def partner_authenticator(user: Any) -> Any:
    """The partner user's authenticator (a confirmed TOTP device), set up if they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device: Any, *, ahead: int = 0) -> str:
    """The code the person's authenticator app shows now (or `ahead` steps later: a device
    takes each step's code once, and accepts the next step's)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def partner_signed_in(email: str = "partner@partner.test", host: str = "localhost") -> Any:
    """A browser session of a partner user signed in with both steps (password and a code from
    their authenticator, which they get if they had none)."""
    from django.test import Client as BrowserClient
    from django_otp import DEVICE_ID_SESSION_KEY

    from apps.accounts.models import User
    from apps.tenancy.context import public_context

    browser = BrowserClient(HTTP_HOST=host)
    with public_context():  # the partner's user, device and session live in the public schema
        user = User.objects.get(email=email)
        device = partner_authenticator(user)
        browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return browser


def partner_api_for(email: str = "partner@partner.test", host: str = "localhost") -> Any:
    """An API client of a partner user with their authenticator (set up if they had none), as
    a script that signed in with password and code holds it: the token sign-in itself, with
    its one-use codes, is tested in tests/accounts/test_partner_mfa.py."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from apps.accounts.models import User
    from apps.tenancy.context import public_context

    with public_context():
        user = User.objects.get(email=email)
        partner_authenticator(user)
        token, _created = Token.objects.get_or_create(user=user)
    client = APIClient(HTTP_HOST=host)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def authenticator_set_up(browser: Any) -> str:
    """Set up two-step sign-in on /account/security/ as the signed-in partner user does: open
    the page, "scan" the key it shows (kept in the session until confirmed), type the app's
    code. Returns the recovery codes page."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.accounts.mfa.views import PENDING_KEY

    assert browser.get("/account/security/").status_code == 200
    app = TOTPDevice(key=browser.session[PENDING_KEY])
    shown = browser.post("/account/security/", {"action": "confirm", "code": totp_code(app)})
    assert shown.status_code == 200, shown.content.decode()[:2000]
    return str(shown.content.decode())


# --------------------------------------------------------------------------- second factor
def mfa_required_roles_set(roles: list[str]) -> None:
    """Test set-up: the current tenant's published policy requires these roles to use a second
    factor. The shared tenants start with none, so every test signs in as before; the tests of
    the gate (tests/mfa) set the list they need."""
    from apps.policies.models import PolicyVersion

    for version in PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED):
        version.document = {**version.document, "mfa": {"required_roles": list(roles)}}
        version.save(update_fields=["document"])


@pytest.fixture(autouse=True)
def _no_second_factor_carried_over() -> Iterator[None]:
    """A factor a test gave (with_fresh_factor) ends with the test."""
    from apps.accounts.mfa.stepup import factors_cleared

    with factors_cleared():
        yield


@pytest.fixture
def fresh_factors(monkeypatch: Any) -> None:
    """Each person acting in the test gave their code a moment ago: for the tests of what a
    money-moving action does (its segregation of duties, its file, its events), not of step-up
    itself, which tests/mfa covers through the real session, header and device checks."""
    from django.utils import timezone

    from apps.accounts.mfa import stepup

    def given(actor: Any) -> Any:
        pk = getattr(actor, "pk", None)
        return None if pk is None else stepup.Factor(pk, timezone.now(), "authenticator", "test")

    monkeypatch.setattr(stepup, "factor_of", given)


def with_fresh_factor(*users: Any, age_seconds: float = 0) -> None:
    """The step-up context as the HTTP side leaves it after a person typed a code
    `age_seconds` ago: each of `users` has a fresh second factor for the rest of the test
    (services called directly by the test then release, approve and publish as that person).
    Pages and API calls bring their own factor: see `session_with_factor`."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.accounts.mfa.stepup import Factor, factor_given

    for user in users:
        at = timezone.now() - timedelta(seconds=age_seconds)
        factor_given(Factor(user.pk, at, "authenticator", how="test"))


def session_with_factor(client: Any, user: Any, *, age_seconds: float = 0) -> Any:
    """A test client signed in as `user` whose session gave a code `age_seconds` ago (their
    authenticator set up if they had none); returns the device."""
    from datetime import timedelta

    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY

    from apps.accounts.mfa.stepup import record_in_session

    device = partner_authenticator(user)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    record_in_session(session, device, at=timezone.now() - timedelta(seconds=age_seconds))
    session.save()
    return device


def fresh_code(user: Any) -> dict[str, str]:
    """The header of an API call that gives `user`'s second factor with it (step-up): a code
    their authenticator shows now (set up if they had none; the current step's code usable
    again, as a new step's would be). Call it in the user's tenant."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = partner_authenticator(user)
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    return {"HTTP_X_SPENDGATE_OTP": totp_code(device)}
