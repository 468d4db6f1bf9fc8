#!/usr/bin/env bash
# End-to-end check of one template recipe, done the way paddock does it, by hand:
#   render -> venv -> pip install -> deploy hook -> gunicorn from paddock-app.xml -> curl -> stop.
#
#   Recipes/verify.sh blank-django [name=value ...]
#   Recipes/verify.sh blank-flask
#   VERIFY_PORT=8200 VERIFY_KEEP=1 Recipes/verify.sh blank-django database=postgresql database_name=... \
#       (with PADDOCK_DB_PASSWORD exported, as paddock's environment file would)
#
# Needs python3 with venv and network access to PyPI. Leaves nothing running; the work folder
# is removed unless VERIFY_KEEP=1. Exit status 0 when every check passed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
template="${1:?usage: Recipes/verify.sh TEMPLATE-ID [name=value ...]}"
shift
tdir="$here/$template"
[ -f "$tdir/Parameters.xml" ] || { echo "verify: no template $tdir" >&2; exit 2; }
port="${VERIFY_PORT:-8765}"
python="${PYTHON:-python3}"

work="$(mktemp -d /tmp/paddock-verify.XXXXXX)"
app="$work/app"; state="$work/state"
mkdir -p "$state/data" "$state/logs"
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
    if [ "${VERIFY_KEEP:-0}" = 1 ]; then echo "verify: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

failures=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; failures=$((failures + 1)); }

echo "== render $template"
"$python" "$root/scripts/render-template.py" "$tdir" "$app" port="$port" "$@"
# The values the template was rendered with (defaults + command line), for the checks below.
eval "$("$python" - "$tdir" "$@" <<'EOF'
import sys, xml.etree.ElementTree as ET
values = {p.get("name"): p.get("defaultValue", "") for p in ET.parse(sys.argv[1] + "/Parameters.xml").getroot()}
for a in sys.argv[2:]:
    k, _, v = a.partition("="); values[k] = v
print(f"app_name={values['app_name']!r}; database={values.get('database', 'sqlite')!r}")
print(f"database_name={values.get('database_name','')!r}; database_host={values.get('database_host','')!r}; database_port={values.get('database_port','')!r}; database_user={values.get('database_user','')!r}")
EOF
)"

echo "== venv and pip install"
"$python" -m venv "$app/.venv"
requirements="$app/requirements.txt"
[ "$database" != sqlite ] && [ -f "$app/requirements-$database.txt" ] && requirements="$app/requirements-$database.txt"
"$app/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
"$app/.venv/bin/pip" freeze --disable-pip-version-check | sed 's/^/  /'

# The environment paddock gives the engine and the deploy hook.
export PATH="$app/.venv/bin:$PATH"
export VIRTUAL_ENV="$app/.venv"
export PADDOCK_SECRET_KEY="$("$python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export PADDOCK_ALLOWED_HOSTS="127.0.0.1,localhost"
export PADDOCK_DEBUG=0
export PADDOCK_DATA_DIR="$state/data"
if [ "$database" != sqlite ]; then
    export PADDOCK_DB_ENGINE="$database" PADDOCK_DB_NAME="$database_name" PADDOCK_DB_HOST="$database_host"
    export PADDOCK_DB_PORT="$database_port" PADDOCK_DB_USER="$database_user"
    export PADDOCK_DB_PASSWORD="${PADDOCK_DB_PASSWORD:-}"
fi
# The manifest's <environment> and <engine>, with the launch-time placeholders filled in.
eval "$("$python" - "$app/paddock-app.xml" "$app" "127.0.0.1:$port" 2 "127.0.0.1" "$root/Recipes/engines" <<'EOF'
import glob, shlex, sys, xml.etree.ElementTree as ET
path, app_root, bind, workers, host, engines = sys.argv[1:]
ns = {"a": "urn:paddock:app:1"}
root = ET.parse(path).getroot()
assert root.tag == "{urn:paddock:app:1}app", root.tag
values = {"bind": bind, "workers": workers, "app_root": app_root, "host": host}
def fill(s):
    for k, v in values.items(): s = s.replace("{{" + k + "}}", v)
    return s
for v in root.findall("a:environment/a:variable", ns):
    print(f"export {v.get('name')}={shlex.quote(fill(v.get('value')))}")
argv = [a.text.strip() for a in root.findall("a:engine/a:arg", ns)]
if not argv:
    # The engine the manifest names, from Recipes/engines (docs/engines.md), with the app's settings.
    name, en = root.find("a:engine", ns).get("name"), {"e": "urn:paddock:engine:1"}
    for f in sorted(glob.glob(engines + "/*.xml")):
        e = ET.parse(f).getroot()
        if e.get("name") == name or name in [x.text.strip() for x in e.findall("e:alias", en)]:
            limits = e.find("e:limits", en)
            get = lambda k, d: (limits.get(k) if limits is not None and limits.get(k) else d)
            values.update(max_requests=get("maxRequestsPerWorker", "0"), request_time_limit=get("requestTimeLimit", "0"),
                          graceful_timeout=e.get("gracefulTimeout", "30"))
            for s in root.findall("a:engine/a:setting", ns): values[s.get("name")] = fill(s.get("value"))
            argv = [e.find("e:program", en).text.strip()] + [a.text.strip() for a in e.findall("e:arg", en)]
    assert argv, f"no engine named {name} in {engines}"
print("engine=(" + " ".join(shlex.quote(fill(a)) for a in argv) + ")")
print("deploy=(" + " ".join(shlex.quote(a.text.strip()) for a in root.findall("a:deploy/a:arg", ns)) + ")")
print(f"deploy_log={shlex.quote(root.find('a:deploy', ns).get('log'))}")
print(f"static_url={shlex.quote(root.find('a:static', ns).get('url'))}")
print(f"static_path={shlex.quote(fill(root.find('a:static', ns).get('path')))}")
print(f"health_path={shlex.quote(root.find('a:health', ns).get('path'))}")
print(f"framework={shlex.quote(root.get('framework'))}")
EOF
)"

echo "== deploy hook: (cd app && ${deploy[*]}) > state/$deploy_log"
mkdir -p "$state/$(dirname "$deploy_log")"
if (cd "$app" && "${deploy[@]}") >"$state/$deploy_log" 2>&1; then
    pass "deploy hook exited 0"
else
    fail "deploy hook exited non-zero"; sed 's/^/    /' "$state/$deploy_log"; exit 1
fi
grep -v '^  Apply' "$state/$deploy_log" | sed 's/^/    | /'
(cd "$app" && "${deploy[@]}") >/dev/null 2>&1 && pass "deploy hook runs again cleanly (idempotent)" || fail "second deploy run failed"

echo "== launch: ${engine[*]}"
(cd "$app" && exec "${engine[@]}") >"$state/logs/engine.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 50); do
    curl -fs -o /dev/null "$base$health_path" && break
    kill -0 "$pid" 2>/dev/null || { fail "gunicorn exited"; cat "$state/logs/engine.log"; exit 1; }
    sleep 0.2
done

echo "== checks against $base"
check() { # check LABEL EXPECTED-STATUS URL [curl args...] ; body in $work/body
    local label="$1" want="$2" url="$3"; shift 3
    local got; got="$(curl -s -o "$work/body" -w '%{http_code}' "$@" "$url")" || true
    if [ "$got" = "$want" ]; then pass "$label -> $got"; else fail "$label -> $got (wanted $want)"; fi
}
check "GET $health_path" 200 "$base$health_path"
grep -qx ok "$work/body" && pass "$health_path body is 'ok'" || fail "$health_path body: $(head -c 80 "$work/body")"
check "GET $health_path with Host: unknown.example" 200 "$base$health_path" -H "Host: unknown.example"
check "GET / with Host: unknown.example (rejected)" 400 "$base/" -H "Host: unknown.example"
check "GET /" 200 "$base/"
case "$framework" in django) text="Your paddock Django app is running" ;; *) text="Your paddock Flask app is running" ;; esac
grep -q "$text" "$work/body" && pass "home page says '$text'" || fail "home page lacks '$text'"
grep -q "<h1>$app_name</h1>" "$work/body" && pass "home page names the project ($app_name)" || fail "home page lacks <h1>$app_name</h1>"
home_css="$(grep -o "href=\"$static_url[^\"]*\.css\"" "$work/body" | head -1 | sed 's/^href="//; s/"$//')"
[ -n "$home_css" ] && check "GET $home_css (home page CSS)" 200 "$base$home_css" || fail "home page links no CSS under $static_url"
if [ "$framework" = django ]; then
    check "GET /admin/login/" 200 "$base/admin/login/"
    admin_css="$(grep -o "href=\"$static_url"'admin/css/base[^"]*"' "$work/body" | head -1 | sed 's/^href="//; s/"$//')"
    [ -n "$admin_css" ] && check "GET $admin_css (admin CSS, WhiteNoise)" 200 "$base$admin_css" || fail "admin login page links no base.css"
    [ -d "$app/$static_path/admin" ] && pass "collectstatic filled $static_path/" || fail "$static_path/admin missing"
fi
check "GET /no-such-page" 404 "$base/no-such-page"

if [ "$database" = sqlite ]; then
    "$python" - "$state/data/db.sqlite3" "$framework" <<'EOF' && pass "SQLite database in PADDOCK_DATA_DIR has the schema" || fail "SQLite schema check"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
if sys.argv[2] == "django":
    n = db.execute("select count(*) from django_migrations").fetchone()[0]
    print(f"    {n} migrations applied; tables include auth_user: {'auth_user' in tables}")
    assert n > 0 and "auth_user" in tables and "django_session" in tables
else:
    print(f"    tables: {sorted(tables)}; user_version {db.execute('pragma user_version').fetchone()[0]}")
    assert "page_views" in tables
EOF
fi

echo "== stop (SIGTERM to gunicorn $pid)"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
curl -s -o /dev/null "$base$health_path" && fail "still answering after stop" || pass "stopped; port $port closed"
grep -q 'Shutting down: Master' "$state/logs/engine.log" && pass "gunicorn shut down cleanly" || fail "no clean shutdown in the log"

if [ "$failures" -eq 0 ]; then echo "verify $template: all checks passed"; else echo "verify $template: $failures check(s) failed"; exit 1; fi
