import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCUMENT_SELECTOR, isSynced } from '../pure/documents';

// out/test/ → the extension's folder
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));

test('the client syncs files and unsaved buffers, whatever their language', () => {
  assert.deepEqual(DOCUMENT_SELECTOR, [{ scheme: 'file' }, { scheme: 'untitled' }]);
  assert.ok(isSynced({ scheme: 'file' }) && isSynced({ scheme: 'untitled' }));
  assert.ok(!isSynced({ scheme: 'output' }) && !isSynced({ scheme: 'counterpoint-proposal' }));
});

test('package.json names no language: the server decides which it checks', () => {
  const activation: string[] = manifest.activationEvents;
  assert.deepEqual(activation.filter((event) => event.startsWith('onLanguage')), []);
  const contributes = manifest.contributes;
  const whens = [
    ...contributes.keybindings.map((k: { when?: string }) => k.when ?? ''),
    ...Object.values(contributes.menus as Record<string, { when?: string }[]>).flat().map((m) => m.when ?? ''),
  ];
  assert.ok(whens.length > 0);
  for (const when of whens) assert.doesNotMatch(when, /editorLangId|resourceLangId/);
});
