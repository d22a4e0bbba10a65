import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EDITOR_PYTHON_OPTION, editorPythonOptions } from '../pure/interpreter';
import { LOCAL_ONLY_SETTINGS } from '../pure/settings';

test("the Python extension's interpreter is sent under its own key, trimmed", () => {
  assert.deepEqual(editorPythonOptions(' /home/me/proj/.venv/bin/python '), {
    editorPython: '/home/me/proj/.venv/bin/python',
  });
});

test('no interpreter from the Python extension sends nothing', () => {
  assert.deepEqual(editorPythonOptions(undefined), {});
  assert.deepEqual(editorPythonOptions('  '), {});
});

test("it is not the user's python setting, and not read from the user's settings either", () => {
  assert.notEqual(EDITOR_PYTHON_OPTION, 'python');
  assert.ok(!(LOCAL_ONLY_SETTINGS as readonly string[]).includes(EDITOR_PYTHON_OPTION));
});
