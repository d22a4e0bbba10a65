import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, offsetAt, proposalsFromActions } from '../pure/proposals';
import { serverEnv, describeKeys } from '../pure/env';

const uri = 'file:///w/windows.py';
const range = { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } };

test('proposals come from the accept quick fixes, not the per-region ones', () => {
  const actions = [
    { title: "Accept Claude's proposal (recommended): passes 5/5", kind: 'quickfix', edit: { changes: { [uri]: [{ range, newText: 'A\n' }] } } },
    { title: "Use GPT's version of this region", kind: 'quickfix', edit: { changes: { [uri]: [{ range, newText: 'R\n' }] } } },
    { title: "Accept GPT's proposal: fails test_x", kind: 'quickfix', edit: { documentChanges: [{ textDocument: { uri: 'file:///w/windows%2Epy' }, edits: [{ range, newText: 'B\n' }] }] } },
    { title: 'Cross-check with Claude and GPT' },
  ];
  const proposals = proposalsFromActions(actions, uri);
  assert.deepEqual(proposals.map((p) => [p.voice, p.recommended, p.edits[0].newText]), [
    ['Claude', true, 'A\n'],
    ['GPT', false, 'B\n'],
  ]);
});

test('edits apply like a WorkspaceEdit', () => {
  const text = 'one\ntwo\nthree\n';
  assert.equal(offsetAt(text, 1, 1), 5);
  assert.equal(offsetAt(text, 1, 99), 7);
  assert.equal(offsetAt(text, 9, 0), text.length);
  assert.equal(applyEdits(text, [{ range, newText: 'X\n' }]), 'X\nthree\n');
  assert.equal(
    applyEdits(text, [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } }, newText: '1' },
      { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 5 } }, newText: '3' },
    ]),
    '1\ntwo\n3\n',
  );
});

test('keys from secret storage reach the server env; descriptions never show values', () => {
  const env = serverEnv({ PATH: '/bin', OPENAI_API_KEY: 'from-env', GONE: undefined }, { anthropic: 'sk-ant-secret', openai: '  ' });
  assert.deepEqual(env, { PATH: '/bin', OPENAI_API_KEY: 'from-env', ANTHROPIC_API_KEY: 'sk-ant-secret' });
  const text = describeKeys(env);
  assert.equal(text, 'ANTHROPIC_API_KEY set, OPENAI_API_KEY set');
  assert.ok(!text.includes('sk-ant'));
});
