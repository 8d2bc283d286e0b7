"""Our API against a peer product, django-helpdesk, on the same machine, data size and load.

Not a test (issue 12). In one run the script:

1. makes a virtualenv for the peer outside the repository (`--peer-venv`) and installs
   `django-helpdesk gunicorn psycopg[binary]` from PyPI there when it is missing, then prints
   the versions it got;
2. writes a minimal Django project into a temporary directory (settings on PostgreSQL
   database `--peer-db`, the apps django-helpdesk's install docs list, DRF token
   authentication, one extra plain view `/health/`), migrates it, creates a superuser with a
   token and one queue per ticket category, and copies the first `--tickets` tickets of our
   bench database into it with the ORM's `bulk_create` (same titles, texts, dates, priorities;
   our states mapped to the peer's Open / Resolved / Closed); reused when the count matches;
3. loads our bench database as bench/api_tickets.py does (`COPY`, reused when it holds
   enough) and serves ours with `uanl serve --workers N` (the code of `--at-commit`, HEAD by
   default, so that others' uncommitted edits in the work tree are not measured) and the peer
   with gunicorn, N processes too (`gthread`, `--peer-threads` threads each);
4. drives both with `hey -c C -z Ds`, alternating: for each endpoint, each round runs ours and
   the peer back to back (the order flips every round), after waiting for both servers to go
   idle. Endpoints, in this order (lists first, so that both see only the loaded tickets):

   list    ours GET /api/v1/tickets/?state=new&state=open&state=in_progress&state=waiting&limit=20
           peer GET /api/tickets/?status=1&page_size=20   (status 1 = Open: the same rows)
   health  ours GET /api/v1/health (answers from a SELECT 1 probe made at most once a second
           per process)
           peer GET /health/ (a plain Django view added here that does the same: SELECT 1 at
           most once a second per process, a small JSON body)
   create  ours POST /api/v1/tickets/ (bearer token)
           peer POST /api/tickets/ (DRF token)

and prints each round's req/s and p99, the medians and the ratios ours / peer, and the CPU
each product's server processes and their PostgreSQL backends spent per request (read from
/proc around each round: steadier than req/s on a shared machine). Both products write to the
same PostgreSQL server (fsync and synchronous_commit as printed); ours commits a create in one
transaction, django-helpdesk runs in Django's default autocommit (each write its own commit).
hey gives up on a request after 20 s: such timeouts show as failed requests. The tickets the
create rounds made are deleted from both databases at the end, so a rerun sees the same data.
Usage (PostgreSQL on 127.0.0.1:5432, user postgres; hey from Debian):

    .venv/bin/python bench/peer_django_helpdesk.py --rounds 3 --duration 10
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import api_tickets as bench  # noqa: E402
from _common import ROOT, check_keys, use_bench_keys  # noqa: E402

DEFAULT_OUR_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/uanl_bench_100k"
DEFAULT_PEER_DB = "postgresql://postgres@127.0.0.1:5432/peer_helpdesk"
DEFAULT_PEER_VENV = ROOT.parent / "peer-venv"
PEER_PACKAGES = ["django-helpdesk", "gunicorn", "psycopg[binary]"]
MARKER = "Benchmark peer: la impresora no jala"
OPEN_STATES = ("new", "open", "in_progress", "waiting")

# ----------------------------------------------------------------------------- peer project
# Written into a temporary directory at run time; nothing of it lives in the repository.

SETTINGS_PY = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = {secret!r}
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer_site.urls"
TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        }},
    }}
]
WSGI_APPLICATION = "peer_site.wsgi.application"
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": {name!r},
        "USER": {user!r},
        "PASSWORD": {password!r},
        "HOST": {host!r},
        "PORT": {port!r},
        # Persistent connections, as any production Django deployment sets.
        "CONN_MAX_AGE": 600,
    }}
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "America/Monterrey"
LANGUAGE_CODE = "es-mx"
SITE_ID = 1
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "media"
LOGIN_URL = "/helpdesk/login/"
# No mail server here: messages are rendered and handed to a backend that drops them.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False
REST_FRAMEWORK = {{
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
}}
LOGGING = {{
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {{"console": {{"class": "logging.StreamHandler"}}}},
    "root": {{"handlers": ["console"], "level": "WARNING"}},
}}
"""

URLS_PY = """\
import time

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path

_probe = {"at": 0.0, "ok": False}


def health(request):
    # The counterpart of our /api/v1/health, which answers from a database probe (SELECT 1)
    # made at most once a second per process: the same here.
    now = time.monotonic()
    if now - _probe["at"] >= 1.0:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            _probe["ok"] = cur.fetchone() == (1,)
        _probe["at"] = now
    ok = _probe["ok"]
    return JsonResponse({"status": "ok" if ok else "down"}, status=200 if ok else 503)


urlpatterns = [
    path("health/", health),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
"""

WSGI_PY = """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
application = get_wsgi_application()
"""

# Run with the peer's Python: admin, token, queues, and the tickets copied from our database.
LOAD_PY = """\
import json
import os
import sys
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
django.setup()

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token

from helpdesk.models import Queue, Ticket

ours, target, marker, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
STATUS = {"new": 1, "open": 1, "in_progress": 1, "waiting": 1,
          "resolved": 3, "closed": 4, "cancelled": 4}
PRIORITY = {"urgent": 1, "high": 2, "medium": 3, "low": 4}

User = get_user_model()
admin, _ = User.objects.get_or_create(
    username="bench-admin", defaults={"email": "bench-admin@bench.uanl.mx"}
)
admin.is_staff = admin.is_superuser = admin.is_active = True
admin.set_unusable_password()
admin.save()
token, _ = Token.objects.get_or_create(user=admin)

# Tickets a create round left behind (an interrupted run): gone, followups and all.
left = Ticket.objects.filter(title=marker)
if left.exists():
    print(f"peer: deleting {left.count()} tickets of an earlier run", flush=True)
    left.delete()

with psycopg.connect(ours) as src:
    categories = [r[0] for r in src.execute(
        "SELECT DISTINCT category FROM uanl.tickets ORDER BY 1")]
    queues = {}
    for c in categories:
        queues[c], _ = Queue.objects.get_or_create(
            slug=c[:50], defaults={"title": c.capitalize(), "allow_public_submission": False}
        )
    have = Ticket.objects.count()
    if have != target:
        print(f"peer: have {have:,} tickets, loading {target:,} with bulk_create", flush=True)
        Ticket.objects.all().delete() if have else None
        # Keep the creation dates of the source rows (auto_now_add would stamp "now").
        for name in ("created", "modified"):
            f = Ticket._meta.get_field(name)
            f.auto_now_add = f.auto_now = False
        cur = src.cursor(name="peer_copy")
        cur.itersize = 20000
        cur.execute(
            "SELECT title, description, state, priority, category, created_at, updated_at, "
            "resolution_due_at FROM uanl.tickets WHERE title <> %s ORDER BY id LIMIT %s",
            (marker, target),
        )
        batch, n = [], 0
        for title, desc, state, prio, cat, created, updated, due in cur:
            batch.append(Ticket(
                title=title, description=desc, status=STATUS[state],
                priority=PRIORITY[prio], queue=queues[cat], created=created,
                modified=updated, due_date=due, submitter_email="usuario@cliente.com.mx",
            ))
            if len(batch) == 20000:
                Ticket.objects.bulk_create(batch)
                n += len(batch)
                batch = []
        if batch:
            Ticket.objects.bulk_create(batch)
            n += len(batch)
        print(f"peer: loaded {n:,} tickets", flush=True)
        with connection.cursor() as c:
            c.execute("VACUUM (ANALYZE) helpdesk_ticket")

counts = {
    "tickets": Ticket.objects.count(),
    "open": Ticket.objects.filter(status=1).count(),
}
json.dump({"token": token.key, "queue": queues[categories[0]].id, **counts}, open(out, "w"))
"""

CLEAN_PY = """\
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
django.setup()
from helpdesk.models import Ticket

deleted, _ = Ticket.objects.filter(title=sys.argv[1]).delete()
print(f"peer: deleted the bench-created tickets and their rows ({deleted} rows)")
"""


def write_project(where: Path, peer_db: str) -> None:
    url = make_url(peer_db)
    site = where / "peer_site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "__init__.py").write_text("")
    (site / "settings.py").write_text(
        SETTINGS_PY.format(
            secret=secrets.token_urlsafe(40),
            name=url.database,
            user=url.username or "postgres",
            password=url.password or "",
            host=url.host or "127.0.0.1",
            port=str(url.port or 5432),
        )
    )
    (site / "urls.py").write_text(URLS_PY)
    (site / "wsgi.py").write_text(WSGI_PY)
    (where / "peer_load.py").write_text(LOAD_PY)
    (where / "peer_clean.py").write_text(CLEAN_PY)


def peer_env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    env["PYTHONPATH"] = str(project)
    env["DJANGO_SETTINGS_MODULE"] = "peer_site.settings"
    return env


def ensure_peer_venv(venv: Path) -> dict[str, str]:
    """The peer's virtualenv with its packages; returns their versions."""
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"creating {venv}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = [str(py), "-c", "import helpdesk, gunicorn, psycopg, rest_framework"]
    if subprocess.run(probe, capture_output=True).returncode != 0:
        print(f"pip install {' '.join(PEER_PACKAGES)} into {venv}", flush=True)
        pip = [str(py), "-m", "pip", "install", "-q", *PEER_PACKAGES]
        subprocess.run(pip, check=True)
    names = ["django-helpdesk", "Django", "djangorestframework", "gunicorn", "psycopg"]
    code = (
        "import importlib.metadata as m, json, sys; "
        f"print(json.dumps({{n: m.version(n) for n in {names!r}}}), sys.version.split()[0])"
    )
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True)
    versions_json, pyver = out.stdout.rsplit(" ", 1)
    return {**json.loads(versions_json), "Python": pyver.strip()}


def prepare_peer(
    venv: Path, project: Path, peer_db: str, our_db: str, target: int
) -> dict[str, Any]:
    py = str(venv / "bin" / "python")
    env = peer_env(project)
    bench.ensure_database(peer_db)
    subprocess.run(
        [py, "-m", "django", "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=project
    )
    out = project / "peer.json"
    src = bench.pg_conninfo(our_db)
    subprocess.run(
        [py, str(project / "peer_load.py"), src, str(target), MARKER, str(out)],
        env=env,
        check=True,
        cwd=project,
    )
    info: dict[str, Any] = json.loads(out.read_text())
    return info


def start_peer(
    venv: Path, project: Path, port: int, workers: int, threads: int, log: Path
) -> tuple[subprocess.Popen[bytes], list[str]]:
    cmd = [
        str(venv / "bin" / "gunicorn"),
        "peer_site.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as f:
        proc = subprocess.Popen(
            cmd, env=peer_env(project), cwd=project, stdout=subprocess.DEVNULL, stderr=f
        )
    return proc, cmd


def wait_ok(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"peer exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer 200 in time")


# ----------------------------------------------------------------------------- ours


def export_commit(rev: str, where: Path) -> str:
    """`git archive` of `rev` (src/ only) into `where`; returns the full commit id."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return commit


def forget_ours(db_url: str) -> int:
    with psycopg.connect(bench.pg_conninfo(db_url)) as conn:
        cur = conn.execute("DELETE FROM uanl.tickets WHERE title = %s", (MARKER,))
        return cur.rowcount


# ----------------------------------------------------------------------------- load


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by `pid` and its descendants (from /proc)."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parent[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += ticks.get(p, 0)
        todo += [c for c, pp in parent.items() if pp == p]
    return total / os.sysconf("SC_CLK_TCK")


def backend_pids(db_url: str) -> list[int]:
    """PostgreSQL backends connected to this database (the servers' pooled connections)."""
    name = make_url(db_url).database
    with psycopg.connect(bench.pg_conninfo(db_url, "postgres")) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return [int(r[0]) for r in rows]


def cpu_snapshot(pid: int, db_url: str) -> dict[int, float]:
    """CPU seconds of the server's process tree (key 0) and of each of its database backends."""
    snap = {0: tree_cpu_seconds(pid)}
    for b in backend_pids(db_url):
        snap[b] = tree_cpu_seconds(b)
    return snap


def cpu_used(before: dict[int, float], after: dict[int, float]) -> tuple[float, float]:
    """(app seconds, database seconds) between two snapshots; a backend that appeared in
    between counts from zero."""
    app = after[0] - before[0]
    db = sum(v - before.get(k, 0.0) for k, v in after.items() if k)
    return app, db


def settle(pids: list[int], limit: float = 20.0) -> None:
    """Wait (up to `limit` s) until the servers' process trees use < 5 % of a core: work a
    round queued (our notification tasks, say) must not run during the other product's."""
    deadline = time.monotonic() + limit
    before = sum(tree_cpu_seconds(p) for p in pids)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = sum(tree_cpu_seconds(p) for p in pids)
        if now - before < 0.025:
            return
        before = now


def endpoints(
    ours: str, peer: str, our_auth: dict[str, str], peer_auth: dict[str, str], queue: int
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    our_list = "&".join(f"state={s}" for s in OPEN_STATES) + "&limit=20"
    our_body = {
        "title": MARKER,
        "description": "Creado por bench/peer_django_helpdesk.py",
        "priority": "medium",
        "category": "hardware",
        "client_id": 1,
        "source": "api",
        "tags": ["bench"],
    }
    peer_body = {
        "queue": queue,
        "title": MARKER,
        "description": "Creado por bench/peer_django_helpdesk.py",
        "submitter_email": "usuario@cliente.com.mx",
        "priority": 3,
    }
    return [
        (
            "list (open, 20 rows)",
            {"url": f"{ours}/api/v1/tickets/?{our_list}", "headers": our_auth},
            {"url": f"{peer}/api/tickets/?status=1&page_size=20", "headers": peer_auth},
        ),
        (
            "health",
            {"url": f"{ours}/api/v1/health"},
            {"url": f"{peer}/health/"},
        ),
        (
            "create",
            {
                "url": f"{ours}/api/v1/tickets/",
                "method": "POST",
                "headers": our_auth,
                "body": json.dumps(our_body),
            },
            {
                "url": f"{peer}/api/tickets/",
                "method": "POST",
                "headers": peer_auth,
                "body": json.dumps(peer_body),
            },
        ),
    ]


def check_once(name: str, who: str, req: dict[str, Any]) -> str:
    """One request before measuring: must succeed; returns a short description."""
    headers = dict(req.get("headers") or {})
    if req.get("body"):
        headers["Content-Type"] = "application/json"
    r = httpx.request(
        req.get("method", "GET"), req["url"], headers=headers, content=req.get("body"), timeout=30
    )
    if not r.is_success:
        raise SystemExit(f"{who} {name}: {r.status_code} {r.text[:500]}")
    body = r.json()
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return f"{len(body['results'])} rows of {body.get('count')}"
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return f"{len(body['items'])} rows of {body.get('total')}"
    return f"{r.status_code}, {len(r.content)} bytes"


def measure(
    eps: list[tuple[str, dict[str, Any], dict[str, Any]]],
    servers: dict[str, tuple[int, str]],
    args: argparse.Namespace,
) -> tuple[dict[str, dict[str, list[bench.Result]]], dict[str, dict[str, list[float]]]]:
    """hey over the rounds; also the CPU each product's processes (and its database
    backends) spent per request: less noisy than req/s on a shared machine."""
    pids = [pid for pid, _ in servers.values()]
    for name, ours, peer in eps:
        for who, req in (("ours", ours), ("peer", peer)):
            print(f"check {who:<4} {name:<22} {check_once(name, who, req)}", flush=True)
            bench.run_hey("warm", concurrency=8, requests=200, **req)
    results: dict[str, dict[str, list[bench.Result]]] = {}
    cpu: dict[str, dict[str, list[float]]] = {}  # [app s, db s, requests]
    for name, ours, peer in eps:
        results[name] = {"ours": [], "peer": []}
        cpu[name] = {"ours": [0.0, 0.0, 0.0], "peer": [0.0, 0.0, 0.0]}
        for i in range(args.rounds):
            order = [("ours", ours), ("peer", peer)]
            for who, req in order if i % 2 == 0 else order[::-1]:
                settle(pids)
                pid, db_url = servers[who]
                before = cpu_snapshot(pid, db_url)
                r, shown = bench.run_hey(
                    name, duration=args.duration, concurrency=args.connections, **req
                )
                app, db = cpu_used(before, cpu_snapshot(pid, db_url))
                acc = cpu[name][who]
                acc[0] += app
                acc[1] += db
                acc[2] += r.ok + r.errors
                print(
                    f"round {i + 1} {name:<22} {who:<4} {r.rps or 0:8.1f} req/s  "
                    f"p99 {r.p99_ms or 0:7.1f} ms  2xx {r.ok}  other {r.errors}",
                    flush=True,
                )
                if r.errors:
                    print(f"  ! {r.errors} failed requests: {shown}", flush=True)
                results[name][who].append(r)
    return results, cpu


def report(
    results: dict[str, dict[str, list[bench.Result]]],
    cpu: dict[str, dict[str, list[float]]],
    args: argparse.Namespace,
) -> None:
    print(
        f"\nhey -c {args.connections} -z {args.duration:g}s, {args.rounds} rounds alternating; "
        "median of the rounds; ratio = ours / peer (per round, then its median)"
    )
    head = f"{'endpoint':<22}{'product':<6}{'rounds req/s':>24}{'median':>9}{'p99 ms':>9}"
    print(head + f"{'ratio req/s':>13}  {'ratio rounds':<24}")
    for name, by in results.items():
        ratios = [
            (o.rps or 0) / p.rps for o, p in zip(by["ours"], by["peer"], strict=True) if p.rps
        ]
        for who in ("ours", "peer"):
            rs = by[who]
            shown = " / ".join(f"{r.rps or 0:.0f}" for r in rs)
            med = statistics.median(r.rps or 0 for r in rs)
            p99 = statistics.median(r.p99_ms or 0 for r in rs)
            line = f"{name:<22}{who:<6}{shown:>24}{med:>9.1f}{p99:>9.1f}"
            if who == "ours" and ratios:
                line += f"{statistics.median(ratios):>12.2f}x"
                line += "  " + " / ".join(f"{x:.2f}" for x in ratios)
            print(line)
        errors = sum(r.errors for who in by for r in by[who])
        per = {}
        for who in ("ours", "peer"):
            app, db, n = cpu[name][who]
            per[who] = (1000 * app / n, 1000 * db / n) if n else (0.0, 0.0)
        o, p = per["ours"], per["peer"]
        ratio = (sum(p) / sum(o)) if sum(o) else 0.0
        print(
            f"{'':<22}CPU ms/request (server processes + their PostgreSQL backends): "
            f"ours {o[0]:.2f} + {o[1]:.2f}, peer {p[0]:.2f} + {p[1]:.2f} "
            f"-> peer / ours {ratio:.2f}x"
        )
        if errors:
            print(f"{'':<22}{errors} failed requests in these rounds")


# ----------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db-url", default=DEFAULT_OUR_DB, help="our bench database")
    ap.add_argument("--peer-db", default=DEFAULT_PEER_DB, help="the peer's database")
    ap.add_argument("--peer-venv", type=Path, default=DEFAULT_PEER_VENV)
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    ap.add_argument("--workers", type=int, default=2, help="server processes, each product")
    ap.add_argument(
        "--peer-threads", type=int, default=8, help="gunicorn gthread threads per process"
    )
    ap.add_argument(
        "--at-commit",
        default="HEAD",
        help="serve our code as of this commit (git archive); 'worktree' for the work tree",
    )
    args = ap.parse_args()
    if not shutil.which("hey"):
        raise SystemExit("needs hey (Debian package 'hey')")
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))
    print(f"machine: {os.cpu_count()} CPUs, {bench.platform_line(args.db_url)}")

    with psycopg.connect(bench.pg_conninfo(args.db_url, "postgres")) as conn:
        durable = {
            k: conn.execute(f"SHOW {k}").fetchone()[0]  # type: ignore[index]
            for k in ("fsync", "synchronous_commit", "wal_sync_method")
        }
    print("postgresql (both products):", ", ".join(f"{k}={v}" for k, v in durable.items()))
    versions = ensure_peer_venv(args.peer_venv)
    print("peer:", ", ".join(f"{k} {v}" for k, v in versions.items()))

    with tempfile.TemporaryDirectory(prefix="uanl-peer-") as tmp:
        tmpdir = Path(tmp)
        if args.at_commit != "worktree":
            commit = export_commit(args.at_commit, tmpdir)
            os.environ["PYTHONPATH"] = str(tmpdir / "src")
            sys.path.insert(0, str(tmpdir / "src"))
            print(f"ours: uanl at {commit[:10]} ({args.at_commit})")
        else:
            print("ours: uanl from the work tree (uncommitted edits included)")

        use_bench_keys(args.db_url)
        bench.ensure_database(args.db_url)
        bench.migrate(args.db_url)
        check_keys(args.db_url)
        print(f"ours: deleted {forget_ours(args.db_url)} tickets of an earlier run")
        loaded, secs = bench.load(args.db_url, args.tickets)
        if loaded:
            print(f"ours: loaded {loaded:,} tickets in {secs:.1f} s")
        password = bench.ensure_admin(args.db_url)

        project = tmpdir / "peer"
        write_project(project, args.peer_db)
        info = prepare_peer(args.peer_venv, project, args.peer_db, args.db_url, args.tickets)
        print(f"peer: {info['tickets']:,} tickets, {info['open']:,} Open")
        with psycopg.connect(bench.pg_conninfo(args.db_url)) as conn:
            n_ours, n_open = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE state = ANY(%s)) FROM uanl.tickets",
                (list(OPEN_STATES),),
            ).fetchone()  # type: ignore[misc]
        print(f"ours: {n_ours:,} tickets, {n_open:,} in {'/'.join(OPEN_STATES)}")

        our_port, peer_port = bench.free_port(), bench.free_port()
        ours, peer = f"http://127.0.0.1:{our_port}", f"http://127.0.0.1:{peer_port}"
        (tmpdir / "ours").mkdir()
        our_proc = bench.start_server(args.db_url, our_port, args.workers, str(tmpdir / "ours"))
        peer_log = tmpdir / "peer.log"
        peer_proc, peer_cmd = start_peer(
            args.peer_venv, project, peer_port, args.workers, args.peer_threads, peer_log
        )
        print("peer server:", shlex.join(["gunicorn", *peer_cmd[1:]]), flush=True)
        try:
            bench.wait_healthy(ours, our_proc)
            wait_ok(f"{peer}/health/", peer_proc, peer_log)
            token = httpx.post(
                f"{ours}/api/v1/auth/token",
                data={"username": bench.ADMIN_EMAIL, "password": password},
                timeout=20,
            ).json()["access_token"]
            eps = endpoints(
                ours,
                peer,
                {"Authorization": f"Bearer {token}"},
                {"Authorization": f"Token {info['token']}"},
                info["queue"],
            )
            servers = {
                "ours": (our_proc.pid, args.db_url),
                "peer": (peer_proc.pid, args.peer_db),
            }
            results, cpu = measure(eps, servers, args)
        finally:
            bench.stop_server(our_proc)
            bench.stop_server(peer_proc)
            print(f"ours: deleted the {forget_ours(args.db_url)} bench-created tickets")
            subprocess.run(
                [str(args.peer_venv / "bin" / "python"), str(project / "peer_clean.py"), MARKER],
                env=peer_env(project),
                cwd=project,
                check=False,
            )
    report(results, cpu, args)


if __name__ == "__main__":
    main()
