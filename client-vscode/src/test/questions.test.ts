import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerArgument, answerOptions, needsValue, questionHint, valuePrompt, withValue } from '../pure/questions';

const argument = (extra: Record<string, unknown>) => ({ requestId: 'r1', region: 0, call: 'count_up_to(3)', ...extra });
const action = (title: string, extra: Record<string, unknown>) => ({
  title,
  kind: 'quickfix',
  command: { title, command: 'counterpoint.answerQuestion', arguments: [argument(extra)] },
});

test('the options are the answer actions, in order, and only Neither needs a value', () => {
  const actions = [
    { title: "Accept Claude's proposal", command: { title: 'a', command: 'counterpoint.acceptProposal', arguments: [{ requestId: 'r1', proposal: 'claude' }] } },
    action('Claude is right: `count_up_to(3)` → `[1, 2, 3]`', { answer: 'claude' }),
    action('GPT is right: `count_up_to(3)` → `[0, 1, 2]`', { answer: 'gpt' }),
    action('Neither: give the expected value', {}),
    { title: 'Cross-check with Claude and GPT', command: 'counterpoint.crossCheck', arguments: [{}] },
  ];
  const options = answerOptions(actions);
  assert.deepEqual(
    options.map((o) => [o.label, o.argument.answer, o.needsValue]),
    [
      ['Claude is right: `count_up_to(3)` → `[1, 2, 3]`', 'claude', false],
      ['GPT is right: `count_up_to(3)` → `[0, 1, 2]`', 'gpt', false],
      ['Neither: give the expected value', undefined, true],
    ],
  );
  assert.deepEqual(options[0].argument, { requestId: 'r1', region: 0, call: 'count_up_to(3)', answer: 'claude' });
});

test('a bare command (not a code action) is read too', () => {
  const options = answerOptions([{ title: 'Neither', command: 'counterpoint.answerQuestion', arguments: [argument({})] }]);
  assert.equal(options.length, 1);
  assert.equal(options[0].needsValue, true);
});

test('arguments without a request id are not answers', () => {
  assert.equal(answerArgument([{ answer: 'claude' }]), undefined);
  assert.equal(answerArgument(['r1']), undefined);
  assert.equal(answerArgument(undefined), undefined);
  assert.deepEqual(answerOptions([action('x', { requestId: 7 })]), []);
});

test('Neither asks for the value with the call, and a blank answer sends nothing', () => {
  const neither = answerArgument([argument({})])!;
  assert.equal(needsValue(neither), true);
  assert.match(valuePrompt(neither), /^What should count_up_to\(3\) return\?/);
  assert.equal(withValue(neither, '   '), undefined);
  assert.equal(withValue(neither, undefined), undefined);
  const answered = withValue(neither, ' [1, 2, 3] ')!;
  assert.equal(answered.value, '[1, 2, 3]');
  assert.equal(needsValue(answered), false);
  assert.equal(needsValue({ requestId: 'r1', answer: 'gpt' }), false);
});

test('the status bar offers an answer only for a disputed run with a question', () => {
  const question = { call: 'count_up_to(3)', results: { claude: '[1, 2, 3]', gpt: '[0, 1, 2]' } };
  assert.equal(questionHint({ confidence: { label: 'disputed' }, question }), '$(question) Which is right: count_up_to(3)?');
  assert.equal(questionHint({ confidence: { label: 'verified-one' }, question }), undefined);
  assert.equal(questionHint({ confidence: { label: 'disputed' }, question: null }), undefined);
  assert.equal(questionHint(null), undefined);
});
