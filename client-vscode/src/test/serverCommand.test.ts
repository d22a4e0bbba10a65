import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeServerCommand, missingServerMessage, resolveServerCommand } from '../pure/serverCommand';

test('server.command wins over everything', () => {
  const cmd = resolveServerCommand({
    command: ['/venv/bin/python', '-m', 'counterpoint', 'serve'],
    python: '/usr/bin/python3',
    pythonExtensionInterpreter: '/x/python',
    counterpointOnPath: '/usr/bin/counterpoint',
  });
  assert.deepEqual(cmd, { command: '/venv/bin/python', args: ['-m', 'counterpoint', 'serve'], source: 'setting:server.command' });
});

test('blank parts of server.command are dropped; an all-blank command falls through', () => {
  assert.equal(resolveServerCommand({ command: ['  ', ''] }).source, 'path');
  assert.deepEqual(resolveServerCommand({ command: ['counterpoint', '', 'serve'] }).args, ['serve']);
});

test('server.python runs the module', () => {
  assert.deepEqual(resolveServerCommand({ python: ' /p/python ', pythonExtensionInterpreter: '/x' }), {
    command: '/p/python',
    args: ['-m', 'counterpoint', 'serve'],
    source: 'setting:server.python',
  });
});

test("the Python extension's interpreter is used when it has counterpoint or nothing else is there", () => {
  assert.equal(resolveServerCommand({ pythonExtensionInterpreter: '/x/python', pythonExtensionHasCounterpoint: true, counterpointOnPath: '/b/counterpoint' }).source, 'python-extension');
  assert.equal(resolveServerCommand({ pythonExtensionInterpreter: '/x/python', pythonExtensionHasCounterpoint: false, counterpointOnPath: null }).source, 'python-extension');
  const onPath = resolveServerCommand({ pythonExtensionInterpreter: '/x/python', pythonExtensionHasCounterpoint: false, counterpointOnPath: '/b/counterpoint' });
  assert.deepEqual(onPath, { command: '/b/counterpoint', args: ['serve'], source: 'path' });
});

test('default: counterpoint on PATH', () => {
  assert.deepEqual(resolveServerCommand({}), { command: 'counterpoint', args: ['serve'], source: 'path' });
});

test('descriptions and install hints', () => {
  const cmd = resolveServerCommand({ python: '/my env/python' });
  assert.match(describeServerCommand(cmd), /^"\/my env\/python" -m counterpoint serve \(from the counterpoint.server.python setting\)$/);
  const { message, install } = missingServerMessage(cmd, 'No module named counterpoint');
  assert.equal(install, '/my env/python -m pip install counterpoint');
  assert.match(message, /pip install -e \./);
  assert.match(message, /No module named counterpoint/);
  const onPath = missingServerMessage(resolveServerCommand({}));
  assert.equal(onPath.install, 'pip install counterpoint');
  assert.match(onPath.message, /not found on PATH/);
});
