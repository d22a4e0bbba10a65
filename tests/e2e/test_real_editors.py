"""Real editors' own LSP clients against `counterpoint serve` and the fake providers: Emacs 28
with eglot at its default request timeout (10 s), on a cross-check that takes longer than that.

The editors come from Debian (`.ci/run` installs emacs-nox, elpa-eglot and neovim)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import FIXTURES, server_env
from tests.e2e.scripts import FIXED, script_disagreement

EMACS = shutil.which("emacs")
NVIM = shutil.which("nvim")
# CI installs both and sets this, so a missing editor fails there instead of skipping.
REQUIRED = os.environ.get("COUNTERPOINT_REQUIRE_EDITORS") == "1"

# Writes one JSON object per line to OUT: what the command answered, and every notification.
ELISP = r"""
(require 'eglot)
(require 'cl-lib)
(require 'json)
(defvar cp-out "%(out)s")
(defun cp-say (object)
  (with-temp-buffer
    (insert (json-encode object) "\n")
    (append-to-file (point-min) (point-max) cp-out)))
(cl-defmethod eglot-handle-notification :before (_server method &rest params)
  (cp-say (list :notification (format "%%s" method) :params params)))
;; The copied fixture is no VCS checkout: it is its own project.
(setq project-find-functions (list (lambda (_dir) (cons 'transient "%(root)s/"))))
(find-file "%(file)s")
(python-mode)
(let* ((project (project-current))
       (server (eglot '(python-mode) project 'eglot-lsp-server
                      '("%(python)s" "-m" "counterpoint" "serve") "python")))
  (let ((started (float-time)))
    (condition-case err
        (let ((answer (eglot-execute-command
                       server "counterpoint.crossCheck"
                       (vector (list :uri (eglot--path-to-uri buffer-file-name)
                                     :range (list :start (list :line 0 :character 0)
                                                  :end (list :line 7 :character 0))
                                     :instruction "fix the off-by-one")))))
          (cp-say (list :answered (- (float-time) started) :result answer)))
      (error (cp-say (list :error (format "%%S" err) :after (- (float-time) started))))))
  (let ((deadline (+ (float-time) %(wait)s)))
    (while (< (float-time) deadline)
      (accept-process-output nil 0.2)))
  (ignore-errors (eglot-shutdown server)))
(kill-emacs 0)
"""


@pytest.mark.skipif(
    EMACS is None and not REQUIRED, reason="emacs is not installed (.ci/run installs it)"
)
def test_eglot_at_its_default_timeout_gets_the_result_of_a_15_second_cross_check(
    fake_providers, tmp_path
):
    # Each call takes 4 s: propose and judge in each lane, then the tests — past eglot's 10 s.
    script_disagreement(fake_providers, latency=4.0)
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    out = tmp_path / "eglot.jsonl"
    script = tmp_path / "check.el"
    script.write_text(
        ELISP
        % {
            "out": out,
            "file": project / "windows.py",
            "root": project,
            "python": sys.executable,
            "wait": 40,
        }
    )
    env = server_env(fake_providers.env(), tmp_path / "cache")
    started = time.monotonic()
    emacs = subprocess.run(
        # -q, not -Q: Debian's site-start makes the elpa-eglot package loadable.
        [EMACS, "--batch", "-q", "-l", str(script)],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), emacs.stderr[-3000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    answers = [r for r in records if "answered" in r or "error" in r]
    assert answers and "error" not in answers[0], answers
    assert answers[0]["answered"] < 10  # eglot's own deadline
    done = [r for r in records if r.get("notification") == "counterpoint/crossCheckDone"]
    assert done, [r.get("notification") for r in records]
    published = [
        d
        for r in records
        if r.get("notification") == "textDocument/publishDiagnostics"
        for d in (r["params"] or {}).get("diagnostics") or []
        if d.get("source") == "counterpoint"
    ]
    assert any(d.get("code") == "verified-one" for d in published), published
    assert time.monotonic() - started > 10  # the run really outlasted eglot's timeout


# Neovim 0.7's own client: cross-check, fetch the code actions, edit above the checked lines,
# then apply the recommended accept action as 0.7's code_action does (its edit, else its
# command through workspace/executeCommand). Writes the buffer's lines to OUT as JSON.
LUA = r"""
local out, file, python = %(out)s, %(file)s, %(python)s
vim.cmd('edit ' .. file)
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'counterpoint',
  cmd = { python, '-m', 'counterpoint', 'serve' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
})
vim.lsp.buf_attach_client(buf, client_id)
local client = vim.lsp.get_client_by_id(client_id)
vim.wait(10000, function() return client.initialized end, 50)
local uri = vim.uri_from_bufnr(buf)
local whole = { start = { line = 0, character = 0 }, ['end'] = { line = 7, character = 0 } }
vim.lsp.buf_request_sync(buf, 'workspace/executeCommand', {
  command = 'counterpoint.crossCheck',
  arguments = { { uri = uri, range = whole, instruction = 'fix the off-by-one' } },
}, 60000)
-- The command answers once started; wait for the final diagnostics (not "Cross-checking…",
-- code in-progress, nor what has arrived so far, code partial).
local function final()
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    if code and code ~= 'partial' and code ~= 'in-progress' then return true end
  end
  return false
end
vim.wait(60000, final, 100)
vim.wait(%(settle)s, function() return false end, 100)
local replies = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', {
  textDocument = { uri = uri },
  range = whole,
  context = { diagnostics = {}, only = { 'quickfix' } },
}, 10000)
local action
local offered = {}
for _, reply in pairs(replies or {}) do
  if reply.err then table.insert(offered, vim.inspect(reply.err)) end
  for _, candidate in ipairs(reply.result or {}) do
    table.insert(offered, candidate.title)
    if candidate.isPreferred then action = candidate end
  end
end
-- The user adds three lines above the function before choosing the fix.
vim.api.nvim_buf_set_lines(buf, 0, 0, false, { '# one', '# two', '# three' })
vim.wait(300, function() return false end, 50)
if action and action.edit then
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
end
if action and action.command then
  local command = type(action.command) == 'table' and action.command or action
  vim.lsp.buf_request_sync(buf, 'workspace/executeCommand', command, 10000)
end
vim.wait(1000, function() return false end, 50)
local f = io.open(out, 'w')
local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
local seen = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(seen, { code = d.code or vim.NIL, message = d.message })
end
local found = action ~= nil
f:write(vim.fn.json_encode({ found = found, offered = offered, lines = lines, diagnostics = seen }))
f:close()
vim.cmd('qa!')
"""


@pytest.mark.skipif(
    NVIM is None and not REQUIRED, reason="neovim is not installed (.ci/run installs it)"
)
def test_neovim_0_7_cannot_apply_a_stale_accept_onto_the_wrong_lines(fake_providers, tmp_path):
    script_disagreement(fake_providers)
    project = tmp_path / "project"
    shutil.copytree(FIXTURES, project)
    original = (project / "windows.py").read_text().splitlines()
    out = tmp_path / "buffer.json"
    script = tmp_path / "accept.lua"
    script.write_text(
        LUA
        % {
            "out": json.dumps(str(out)),
            "file": json.dumps(str(project / "windows.py")),
            "python": json.dumps(sys.executable),
            "settle": 500,
        }
    )
    nvim = subprocess.run(
        [NVIM, "--headless", "-u", "NONE", "-c", f"luafile {script}"],
        env=server_env(fake_providers.env(), tmp_path / "cache"),
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), (nvim.stdout + nvim.stderr)[-3000:]
    result = json.loads(out.read_text())
    assert result["found"], (
        f"no recommended accept action: {result['offered']}, {result['diagnostics']}"
    )
    lines = result["lines"]
    # The three lines the user added stay, and Claude's fix replaced the function below them.
    assert lines[:3] == ["# one", "# two", "# three"]
    fixed = FIXED.splitlines()
    assert lines[3 : 3 + len(fixed)] == fixed
    assert lines[3 + len(fixed) :] == original[len(fixed) :]
