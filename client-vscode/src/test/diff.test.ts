import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffOrder, diffTitle, evidenceOf, nextProposal, proposalName } from '../pure/diff';
import type { Proposal } from '../pure/proposals';

const proposal = (id: string, voice: string, recommended: boolean, title = `Accept ${voice}'s proposal`): Proposal => ({
  id,
  requestId: 'r1',
  voice,
  recommended,
  title,
  edits: [],
});

test('the recommended proposal comes first; without one, the order stays', () => {
  const claude = proposal('claude', 'Claude', false);
  const gpt = proposal('gpt', 'GPT', true);
  assert.deepEqual(diffOrder([claude, gpt]).map((p) => p.id), ['gpt', 'claude']);
  assert.deepEqual(diffOrder([claude, { ...gpt, recommended: false }]).map((p) => p.id), ['claude', 'gpt']);
});

test('titles name the original and the proposal in words', () => {
  assert.equal(diffTitle('windows.py', proposal('claude', 'Claude', true)), "windows.py: Original ↔ Claude's proposal (recommended)");
  assert.equal(diffTitle('windows.py', proposal('gpt', 'GPT', false)), "windows.py: Original ↔ GPT's proposal");
  assert.equal(proposalName(proposal('gpt', 'GPT', false)), "GPT's proposal");
});

test("the accept action's evidence is what follows its name", () => {
  assert.equal(evidenceOf("Accept Claude's proposal (recommended): passes 5/5; GPT's fails test_x"), "passes 5/5; GPT's fails test_x");
  assert.equal(evidenceOf("Accept GPT's proposal"), '');
});

test('the other proposal button goes round all of them', () => {
  const ordered = [proposal('claude', 'Claude', true), proposal('gpt', 'GPT', false), proposal('qwen', 'Qwen', false)];
  assert.equal(nextProposal(ordered, 'claude')?.id, 'gpt');
  assert.equal(nextProposal(ordered, 'qwen')?.id, 'claude');
  assert.equal(nextProposal(ordered, 'gone')?.id, 'claude');
  assert.equal(nextProposal([], 'claude'), undefined);
});
