import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptData, applyEdits, offsetAt, proposalsFromActions } from '../pure/proposals';
import { serverEnv, describeKeys } from '../pure/env';

const uri = 'file:///w/windows.py';
const range = { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } };

const claudeData = { requestId: 'r1', proposal: 'claude', voice: 'Claude' };
const gptData = { requestId: 'r1', proposal: 'gpt', voice: 'GPT' };

test('proposals come from the accept quick fixes, not the per-region ones', () => {
  const actions = [
    { title: "Accept Claude's proposal (recommended): passes 5/5", kind: 'quickfix', isPreferred: true, data: claudeData, edit: { changes: { [uri]: [{ range, newText: 'A\n' }] } } },
    { title: "Use GPT's version of this region", kind: 'quickfix', edit: { changes: { [uri]: [{ range, newText: 'R\n' }] } } },
    { title: "Accept GPT's proposal: fails test_x", kind: 'quickfix', data: gptData, edit: { documentChanges: [{ textDocument: { uri: 'file:///w/windows%2Epy' }, edits: [{ range, newText: 'B\n' }] }] } },
    { title: 'Cross-check with Claude and GPT' },
  ];
  const proposals = proposalsFromActions(actions, uri);
  assert.deepEqual(proposals.map((p) => [p.id, p.requestId, p.voice, p.recommended, p.edits[0].newText]), [
    ['claude', 'r1', 'Claude', true, 'A\n'],
    ['gpt', 'r1', 'GPT', false, 'B\n'],
  ]);
});

test('an accept action that carries only its command is read from its data preview', () => {
  const command = { title: 'Accept', command: 'counterpoint.acceptProposal', arguments: [{ requestId: 'r1', proposal: 'claude' }] };
  const actions = [
    { title: "Accept Claude's proposal (recommended)", kind: 'quickfix', isPreferred: true, command, data: { ...claudeData, preview: { range, newText: 'A\n' } } },
    { title: "Accept GPT's proposal", kind: 'quickfix', command, data: { ...gptData, preview: { range, newText: 'B\n' } } },
    // A preview of the wrong shape is not an edit.
    { title: 'Accept X', kind: 'quickfix', command, data: { requestId: 'r1', proposal: 'x', voice: 'X', preview: { range: 3, newText: 'C' } } },
  ];
  assert.deepEqual(
    proposalsFromActions(actions, uri).map((p) => [p.id, p.recommended, p.edits]),
    [
      ['claude', true, [{ range, newText: 'A\n' }]],
      ['gpt', false, [{ range, newText: 'B\n' }]],
    ],
  );
});

test('an accept action is known by its data, never by its title', () => {
  const edit = { changes: { [uri]: [{ range, newText: 'A\n' }] } };
  const actions = [
    // Titled like an accept action but carrying no data (e.g. an older server): not a proposal.
    { title: "Accept Claude's proposal (recommended)", kind: 'quickfix', isPreferred: true, edit },
    // A title the old pattern could not read; the data still names the proposal.
    { title: 'Übernehmen: Vorschlag von GPT', kind: 'quickfix', data: gptData, edit },
    // The same proposal twice (two reports' actions): kept once.
    { title: "Accept GPT's proposal", kind: 'quickfix', data: gptData, edit },
  ];
  assert.deepEqual(
    proposalsFromActions(actions, uri).map((p) => [p.id, p.voice, p.recommended, p.title]),
    [['gpt', 'GPT', false, 'Übernehmen: Vorschlag von GPT']],
  );
  assert.deepEqual(acceptData(claudeData), claudeData);
  assert.equal(acceptData({ requestId: 'r1', proposal: 7, voice: 'GPT' }), undefined);
  assert.equal(acceptData('claude'), undefined);
  assert.equal(acceptData(null), undefined);
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
