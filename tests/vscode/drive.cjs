// Drives a real VS Code (code-server) in headless Chromium through the Counterpoint extension:
// open windows.py, select window_sums, run "Counterpoint: Cross-check selection" and answer its
// instruction picker. The fake answers Claude in 0.5 s and GPT in 12 s, so first Claude's
// proposal must show (diagnostic, hover, status bar naming both lanes) while GPT still writes;
// then the final result. Then the inline suggestion on the disputed line (Claude's version, GPT's
// a keystroke away, taken with Tab and undone in one step), the quick-fix menu, the diff
// (original ↔ Claude's proposal, switched to GPT's and back) and Accept from the diff; save.
// Last, a question (issue 18): counting.py's off-by-one, disputed with a counterexample; the
// status bar's "Which is right: count_up_to(3)?" opens the quick pick, "Claude is right" writes a test into
// tests/test_counting.py as an edit, and the re-check recommends Claude with a verified-* label.
// Assertions read the page, the JSON probe the extension writes (COUNTERPOINT_E2E_PROBE) and
// the file on disk. Used by scripts/vscode-e2e.sh.
//
// env: PLAYWRIGHT_CORE (path of the playwright-core package), CS_URL, PROBE, PROJECT, ARTIFACTS,
//      GPT_LATENCY (seconds the fake takes for GPT's proposal)

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const URL = process.env.CS_URL;
const PROBE = process.env.PROBE;
const PROJECT = process.env.PROJECT;
const ARTIFACTS = process.env.ARTIFACTS;
const GPT_LATENCY_S = Number(process.env.GPT_LATENCY || 12);
const FILE = path.join(PROJECT, 'windows.py');
const ORIGINAL = fs.readFileSync(FILE, 'utf8');
const started = Date.now();

// Line 7 as the original, Claude's fix and GPT's variant write it.
const ORIGINAL_LINE = '    return [sum(xs[i : i + k]) for i in range(len(xs) - k)]';
const CLAUDE_LINE = '    return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]';
const GPT_LINE = `${CLAUDE_LINE} if k <= len(xs) else [sum(xs)]`;
const CLAUDE_MARK = 'range(len(xs) - k + 1)]';
const GPT_MARK = 'else [sum(xs)]';
const COUNT_FILE = path.join(PROJECT, 'counting.py');
const COUNT_TESTS = path.join(PROJECT, 'tests', 'test_counting.py');
const CLAUDE_RIGHT = 'Claude is right: `count_up_to(3)` → `[1, 2, 3]`';
const GPT_RIGHT = 'GPT is right: `count_up_to(3)` → `[0, 1, 2]`';
const NEITHER = 'Neither: give the expected value';
const PINNED = 'def test_count_up_to_3_1_2_3():\n    assert count_up_to(3) == [1, 2, 3]\n';

/** The counting tests as VS Code holds them when open, else as on disk. */
function testFileText(p) {
  const open = p.documents?.[COUNT_TESTS]?.text;
  return open !== undefined ? open : fs.readFileSync(COUNT_TESTS, 'utf8');
}

function log(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function probe() {
  try {
    return JSON.parse(fs.readFileSync(PROBE, 'utf8'));
  } catch {
    return {};
  }
}

/** What VS Code holds as windows.py's text (the probe records open documents). */
function documentText(p = probe()) {
  return p.documents?.[FILE]?.text;
}

async function waitFor(what, predicate, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function check(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
  log(`ok: ${message}`);
}

/** Text as the page shows it: Monaco renders spaces as no-break spaces. */
const plain = (text) => (text || '').replace(/\u00a0/g, ' ');

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  const shot = async (name) => {
    const file = path.join(ARTIFACTS, name);
    await page.screenshot({ path: file });
    log(`screenshot ${file}`);
  };
  const palette = async (text) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible', timeout: 15000 });
    await input.fill(`>${text}`);
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15000 });
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
  };
  const gotoLine = async (spec) => {
    await page.keyboard.press('Control+g');
    await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
    await page.keyboard.type(spec);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
  };
  const openFile = async (name) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(800);
  };
  const statusBar = async () => plain(await page.locator('.part.statusbar').first().innerText());
  const showHover = async () => {
    await palette('Show or Focus Hover');
    await page.locator('.monaco-hover:visible').first().waitFor({ timeout: 15000 });
    await page.waitForTimeout(800);
    return plain(await page.locator('.monaco-hover:visible').first().innerText());
  };
  // VS Code puts the diagnostics' messages first in the hover: scroll it until `text` is near
  // its top, so that a screenshot shows what follows it.
  const scrollHoverTo = async (text) => {
    const hover = page.locator('.monaco-hover:visible').first();
    const hoverBox = await hover.boundingBox();
    const target = hover.getByText(text).first();
    if (!hoverBox) return;
    await page.mouse.move(hoverBox.x + hoverBox.width / 2, hoverBox.y + hoverBox.height / 2);
    for (let i = 0; i < 40; i++) {
      const box = await target.boundingBox();
      if (!box || box.y <= hoverBox.y + 30) break;
      await page.mouse.wheel(0, Math.min(40, box.y - hoverBox.y - 8));
      await page.waitForTimeout(80);
    }
    await page.waitForTimeout(400);
  };
  // Ghost text: its part inside a line, and the lines VS Code draws under it (a view zone).
  const ghostText = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.monaco-editor :is([class*="ghost-text"], .view-zones .suggest-preview-text)')]
        .map((el) => el.textContent || '')
        .join('\n')
        .replace(/\u00a0/g, ' '),
    );
  const crossCheck = async (instruction) => {
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 7; i++) await page.keyboard.press('Shift+ArrowDown');
    await palette('Counterpoint: Cross-check selection');
    const pick = page.locator('.quick-input-widget input').first();
    await page.waitForFunction(() => {
      const el = document.querySelector('.quick-input-widget .quick-input-title');
      return el && /Cross-check selection/.test(el.textContent || '');
    }, null, { timeout: 15000 });
    await pick.fill(instruction);
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    log(`cross-check started with instruction "${instruction}"`);
    return Date.now();
  };
  const finalResult = (previousRequest) =>
    waitFor(
      'the cross-check result and its diagnostics',
      () => {
        const p = probe();
        const hover = (p.hover || []).join('\n');
        const ready =
          p.lastSummary &&
          p.lastSummary.requestId !== previousRequest &&
          (p.diagnostics || []).some((d) => d.code === 'verified-one') &&
          hover.includes(GPT_MARK) &&
          (p.codeActions || []).some((a) => /^Accept Claude's proposal/.test(a.title)) &&
          /verified, one passes/.test(p.status?.text || '');
        return ready ? p : null;
      },
      120000,
    );

  try {
    await page.goto(`${URL}/?folder=${encodeURIComponent(PROJECT)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    await page.waitForTimeout(2000);
    log('workbench loaded');
    await openFile('windows.py');
    await page.locator('.monaco-editor .view-lines').first().waitFor();
    log('windows.py open');
    await waitFor('the language client to run', () => probe().clientState === 'Running', 60000);
    log('language client running');

    const sent = await crossCheck('fix the off-by-one');

    // ---- 1. Claude's proposal while GPT is still writing -----------------------------------
    let firstPartialS;
    const partial = await waitFor(
      "Claude's proposal before GPT's",
      () => {
        const p = probe();
        if (firstPartialS === undefined && (p.diagnostics || []).some((d) => d.code === 'partial')) firstPartialS = (Date.now() - sent) / 1000;
        const hover = (p.hover || []).join('\n');
        const ready =
          (p.diagnostics || []).some((d) => d.code === 'partial' && d.final === false) &&
          hover.includes(CLAUDE_MARK) &&
          /Claude: /.test(p.status?.text || '') &&
          /GPT: /.test(p.status?.text || '');
        return ready ? p : null;
      },
      GPT_LATENCY_S * 1000,
    );
    const partialAfterS = (Date.now() - sent) / 1000;
    log(`partial diagnostic in the probe ${firstPartialS?.toFixed(1)} s after the command, with Claude's code in its hover ${partialAfterS.toFixed(1)} s after`);
    check(!partial.lastSummary, 'the run has not finished yet');
    check(!(partial.hover || []).join('\n').includes(GPT_MARK), "the probe's hover holds Claude's proposal and nothing of GPT's");
    check((partial.codeActions || []).some((a) => /^Accept Claude's proposal/.test(a.title)), `Claude's proposal can be accepted already: "${(partial.codeActions || [])[0]?.title}"`);
    // What the user sees at that moment: the hover over the checked lines and the status bar.
    await gotoLine('7:12');
    const partialHover = await showHover();
    await scrollHoverTo(/^Claude's proposal · /);
    const partialStatus = await statusBar();
    await shot('partial-claude-before-gpt.png');
    const shotAtS = (Date.now() - sent) / 1000;
    const afterShot = probe();
    log(`partial screenshot ${shotAtS.toFixed(1)} s after the command; status bar: ${partialStatus.split('\n').find((l) => /Counterpoint/.test(l))}`);
    check(partialHover.includes(CLAUDE_MARK) && !partialHover.includes(GPT_MARK), "the hover on screen shows Claude's version and nothing of GPT's");
    check(/still cross-checking/i.test(partialHover), 'the hover on screen says the cross-check is still running');
    check(/Claude: /.test(partialStatus) && /GPT: (waiting|writing)/.test(partialStatus), 'the status bar on screen names both lanes, GPT still writing');
    check(!afterShot.lastSummary && shotAtS < GPT_LATENCY_S, `the screenshot was taken before GPT's proposal could arrive (${shotAtS.toFixed(1)} s < ${GPT_LATENCY_S} s)`);
    await page.keyboard.press('Escape');

    // ---- 2. The final result, as before ----------------------------------------------------
    const p1 = await finalResult(undefined);
    log(`final result ${((Date.now() - sent) / 1000).toFixed(1)} s after the command`);
    check(p1.lastArgs.instruction === 'fix the off-by-one', 'the server got the typed instruction');
    check(p1.lastArgs.range.start.line === 0 && p1.lastArgs.range.end.line === 7, 'the server got the selected lines 1-7');
    check(p1.lastSummary.recommended === 'claude', 'Claude is recommended');
    check(p1.diagnostics.some((d) => d.code === 'verified-one'), 'VS Code holds the verified-one diagnostic');
    check(p1.diagnostics.every((d) => d.code !== 'partial'), 'the partial diagnostic is gone');
    check((p1.progress || []).some((m) => /Claude: /.test(m) && /GPT: writing/.test(m)), `the progress named both lanes at once: "${(p1.progress || []).find((m) => /GPT: writing/.test(m))}"`);
    check(/verified, one passes/.test(p1.status?.text || ''), `the status bar shows the last label in words: "${p1.status?.text}"`);
    check(/\$\d+\.\d{4}/.test(p1.status?.text || ''), `the status bar shows the session's cost: "${p1.status?.text}"`);
    const hoverText = (p1.hover || []).join('\n');
    check(hoverText.includes(CLAUDE_MARK) && hoverText.includes(GPT_MARK), 'the hover holds both versions');
    const titles = (p1.codeActions || []).map((a) => a.title);
    check(titles.some((t) => /^Accept Claude's proposal \(recommended\)/.test(t)), `quick fix offered: ${titles.find((t) => /^Accept Claude/.test(t))}`);
    check(titles.some((t) => /^Accept GPT's proposal/.test(t)), 'quick fix for GPT offered too');

    await palette('View: Focus Problems (Errors, Warnings, Infos)');
    await page.waitForTimeout(800);
    await page.locator('.monaco-editor .view-lines').first().click();
    await gotoLine('3');
    await gotoLine('7:12');
    const visibleHover = await showHover();
    check(/Disputed region/.test(visibleHover) && visibleHover.includes(CLAUDE_MARK) && visibleHover.includes(GPT_MARK), 'the hover shows the disputed region as each wrote it');
    await scrollHoverTo('Disputed region');
    await shot('diagnostic-and-hover.png');
    await page.keyboard.press('Escape');

    // ---- 3. The inline suggestion on the disputed line -------------------------------------
    await gotoLine('3');
    await page.waitForTimeout(500);
    check(!(await ghostText()).includes(CLAUDE_MARK), 'no inline suggestion off the disputed line');
    await gotoLine('7:5');
    const claudeGhost = await waitFor("Claude's version as an inline suggestion", async () => {
      const ghost = await ghostText();
      return ghost.includes(CLAUDE_LINE.trim()) ? ghost : null;
    }, 15000);
    const inline = await waitFor('the inline items in the probe', () => probe().inline, 5000);
    check(
      JSON.stringify(inline.labels) === JSON.stringify(["Claude's version (recommended)", "GPT's version"]),
      `the items are labelled: ${inline.labels.join(' | ')}`,
    );
    const hint = await statusBar();
    check(/Tab: Claude's version \(recommended\)/.test(hint) && /Alt\+\]: GPT's version/.test(hint), `the status bar names them: "${hint.split('\n').find((l) => /Tab:/.test(l))}"`);
    check(!claudeGhost.includes(GPT_MARK), 'the ghost line is Claude\'s version alone');
    await shot('inline-suggestion.png');
    await page.keyboard.press('Alt+BracketRight');
    await waitFor("GPT's version after Alt+]", async () => (await ghostText()).includes(GPT_MARK), 10000);
    log("ok: Alt+] shows GPT's version");
    await shot('inline-alternative.png');
    await page.keyboard.press('Alt+BracketLeft');
    await waitFor("Claude's version again after Alt+[", async () => {
      const ghost = await ghostText();
      return ghost.includes(CLAUDE_LINE.trim()) && !ghost.includes(GPT_MARK);
    }, 10000);
    // Esc hides it; the status bar's hint shows it again.
    await page.keyboard.press('Escape');
    await waitFor('the ghost line hidden by Esc', async () => !(await ghostText()).includes(CLAUDE_MARK), 5000);
    await page.locator('.part.statusbar').getByText(/Tab: Claude's version/).first().click();
    await waitFor("Claude's version shown again from the status bar", async () => (await ghostText()).includes(CLAUDE_LINE.trim()), 10000);
    log("ok: Esc hides the suggestion and a click on the status bar's hint shows it again");
    await page.keyboard.press('Tab');
    const taken = await waitFor('the line replaced by Claude\'s version', () => {
      const p = probe();
      const text = documentText(p);
      return p.inlineTaken && text && !text.includes(ORIGINAL_LINE) ? { p, text } : null;
    }, 10000);
    const expected = ORIGINAL.replace(ORIGINAL_LINE, CLAUDE_LINE);
    check(taken.text === expected, 'Tab put Claude\'s version in place of line 7, and nothing else changed');
    check(taken.p.inlineTaken.label === "Claude's version (recommended)" && taken.p.inlineTaken.replaced === true, 'the taken item was Claude\'s');
    await page.keyboard.press('Control+z');
    await waitFor('one undo to give back the original', () => documentText() === ORIGINAL, 10000);
    log('ok: one undo gives back the original text');

    // The edit cleared the report; the same cross-check again comes from the cache.
    const again = await crossCheck('fix the off-by-one');
    const p2 = await finalResult(p1.lastSummary.requestId);
    log(`the repeated cross-check came back in ${((Date.now() - again) / 1000).toFixed(1)} s`);
    check(p2.lastSummary.recommended === 'claude', 'the repeated cross-check recommends Claude again');

    // ---- 4. The quick fixes ----------------------------------------------------------------
    await gotoLine('7:12');
    await page.keyboard.press('Control+.');
    await page.locator('.action-widget').getByText(/Accept Claude's proposal/).first().waitFor({ timeout: 15000 });
    await shot('quick-fix-menu.png');
    await page.keyboard.press('Escape');

    // ---- 5. The diff: original ↔ a proposal, switched, accepted ----------------------------
    const diffSides = async () => ({
      original: plain(await page.locator('.monaco-diff-editor .editor.original .view-lines').first().innerText()),
      modified: plain(await page.locator('.monaco-diff-editor .editor.modified .view-lines').first().innerText()),
      removed: await page.locator('.monaco-diff-editor .editor.original :is(.line-delete, .char-delete)').count(),
      added: await page.locator('.monaco-diff-editor .editor.modified :is(.line-insert, .char-insert)').count(),
      tab: plain(await page.locator('.tab.active').first().innerText()),
    });
    await palette('Counterpoint: Compare original ↔ recommended proposal');
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 20000 });
    await page.waitForTimeout(1500);
    let diff = await waitFor('the diff in the probe', () => probe().diff);
    check(diff.title === "windows.py: Original ↔ Claude's proposal (recommended)" && diff.left === 'original' && diff.right === 'claude', `the diff opened: ${diff.title}`);
    let sides = await diffSides();
    check(sides.tab.includes("Original ↔ Claude's proposal (recommended)"), `the tab says so: "${sides.tab.trim()}"`);
    check(sides.original.includes(ORIGINAL_LINE) && !sides.original.includes(CLAUDE_MARK), 'the left side is the original');
    check(sides.modified.includes(CLAUDE_LINE) && !sides.modified.includes(GPT_MARK), "the right side is Claude's proposal");
    check(sides.removed > 0 && sides.added > 0, `the original's line reads as removed (${sides.removed}), Claude's as added (${sides.added})`);
    await shot('diff-original-claude.png');

    const button = (title) => page.locator(`.editor-actions [aria-label^="${title}"]`).first();
    await button('Compare the other proposal').click();
    diff = await waitFor("the diff of GPT's proposal", () => (probe().diff?.right === 'gpt' ? probe().diff : null), 15000);
    await page.waitForTimeout(1500);
    sides = await diffSides();
    check(diff.title === "windows.py: Original ↔ GPT's proposal", `the other proposal: ${diff.title}`);
    check(sides.original.includes(ORIGINAL_LINE) && sides.modified.includes(GPT_LINE), "left the original, right GPT's proposal");
    await shot('diff-original-gpt.png');
    await button('Compare the other proposal').click();
    await waitFor("the diff of Claude's proposal again", () => probe().diff?.right === 'claude', 15000);
    await page.waitForTimeout(1000);
    await button('Accept this proposal').click();
    const accepted = await waitFor('the accept from the diff', () => probe().diffAccept, 15000);
    check(accepted.proposal === 'claude' && accepted.result?.applied === true, "the diff's Accept applied Claude's proposal through the server's command");
    await waitFor('windows.py in front again', async () => !(await page.locator('.monaco-diff-editor:visible').count()), 10000);
    await page.keyboard.press('Control+s');
    const saved = await waitFor('windows.py saved with the fix', () => {
      const text = fs.readFileSync(FILE, 'utf8');
      return text.includes(CLAUDE_MARK) ? text : null;
    }, 20000);
    check(saved === ORIGINAL.replace(ORIGINAL_LINE, CLAUDE_LINE), "windows.py on disk now holds Claude's fix and nothing else changed");
    await page.waitForTimeout(1500);
    await shot('after-accept.png');

    // ---- 6. A question: which result is right? --------------------------------------------
    await openFile('counting.py');
    await page.locator('.monaco-editor .view-lines').first().waitFor();
    const beforeQuestion = probe().lastSummary?.requestId;
    await crossCheck('fix the bound');
    const disputed = await waitFor(
      "counting.py's dispute with its question",
      () => {
        const p = probe();
        const ready =
          p.lastSummary &&
          p.lastSummary.requestId !== beforeQuestion &&
          (p.diagnostics || []).some((d) => d.path === COUNT_FILE && d.code === 'disputed') &&
          (p.codeActions || []).some((a) => a.title === CLAUDE_RIGHT);
        return ready ? p : null;
      },
      120000,
    );
    check(disputed.lastSummary.confidence.label === 'disputed' && !disputed.lastSummary.recommended, 'disputed, and nothing is recommended');
    const questionFixes = (disputed.codeActions || []).map((a) => a.title).filter((t) => [CLAUDE_RIGHT, GPT_RIGHT, NEITHER].includes(t));
    check(JSON.stringify(questionFixes) === JSON.stringify([CLAUDE_RIGHT, GPT_RIGHT, NEITHER]), `the question's answers are quick fixes: ${questionFixes.join(' | ')}`);
    const testsBefore = fs.readFileSync(COUNT_TESTS, 'utf8');
    check(disputed.questionHint === '$(question) Which is right: count_up_to(3)?', `the status bar offers the question: ${disputed.questionHint}`);
    // The status bar's offer opens the quick pick (as "Counterpoint: Answer the question" does).
    await page.locator('.part.statusbar').getByText(/Which is right: count_up_to\(3\)\?/).first().click();
    const pickRow = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Claude is right' }).first();
    await pickRow.waitFor({ timeout: 20000 });
    await page.waitForTimeout(500);
    const shown = await waitFor('the quick pick in the probe', () => probe().questionOptions, 10000);
    check(JSON.stringify(shown) === JSON.stringify([CLAUDE_RIGHT, GPT_RIGHT, NEITHER]), `the quick pick offers: ${shown.join(' | ')}`);
    const pickText = plain(await page.locator('.quick-input-widget').first().innerText());
    check(/Claude is right/.test(pickText) && /GPT is right/.test(pickText) && /Neither: give the expected value/.test(pickText), 'the quick pick on screen shows the three options');
    await shot('question-quick-pick.png');
    await page.locator('.quick-input-widget input').first().fill('Claude is right');
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    const answered = await waitFor(
      'the re-check after the answer',
      () => {
        const p = probe();
        const ready =
          p.answered &&
          p.lastSummary &&
          p.lastSummary.requestId !== disputed.lastSummary.requestId &&
          (p.diagnostics || []).some((d) => d.path === COUNT_FILE && /^verified-/.test(d.code)) &&
          (p.codeActions || []).some((a) => /^Accept Claude's proposal \(recommended\)/.test(a.title)) &&
          // VS Code saves an edit to a file that was not open (else the probe lists it, dirty).
          testFileText(p).endsWith(PINNED);
        return ready ? p : null;
      },
      120000,
    );
    check(answered.questionPicked === CLAUDE_RIGHT, `picked: ${answered.questionPicked}`);
    check(answered.answered.applied === true && answered.answered.testFile === 'tests/test_counting.py', `the answer was applied as an edit to ${answered.answered.testFile}`);
    const inEditor = { text: testFileText(answered) };
    check(inEditor.text === testsBefore + '\n\n' + PINNED, 'tests/test_counting.py holds the regression test appended by the edit, and nothing else changed');
    check(answered.lastSummary.recommended === 'claude', "after the re-check Claude's proposal is recommended");
    check(/^verified-/.test(answered.lastSummary.confidence.label), `with a verified-* label: ${answered.lastSummary.confidence.label}`);
    const countDiagnostic = answered.diagnostics.find((d) => d.path === COUNT_FILE);
    check(/^verified-/.test(countDiagnostic.code), `the diagnostic follows: ${countDiagnostic.code}: ${String(countDiagnostic.message).slice(0, 100)}`);
    const afterFixes = (answered.codeActions || []).map((a) => a.title);
    check(!afterFixes.includes(CLAUDE_RIGHT), `the quick fixes follow: ${afterFixes[0]}`);
    check(/verified, one passes/.test(answered.status?.text || ''), `the status bar shows the new label: "${answered.status?.text}"`);
    await openFile('test_counting.py');
    await page.waitForTimeout(1500);
    await shot('question-answered-test-file.png');
    await palette('File: Save All');
    const savedTests = await waitFor('tests/test_counting.py saved', () => {
      const text = fs.readFileSync(COUNT_TESTS, 'utf8');
      return text.endsWith(PINNED) ? text : null;
    }, 20000);
    check(savedTests === inEditor.text, 'saved, the test file on disk is what the edit wrote');
    await openFile('counting.py');
    await gotoLine('3:8');
    const answeredHover = await showHover();
    check(/Verified/.test(answeredHover), 'the hover on screen says it is verified');
    await shot('question-answered-hover.png');
    await page.keyboard.press('Escape');
    log('PASS');
  } catch (error) {
    log(`FAIL: ${error && error.message ? error.message : error}`);
    const p = probe();
    log(`probe: client=${p.clientState} status=${p.status?.text} serverError=${p.serverError || ''} lastError=${p.lastError || ''}`);
    for (const d of p.diagnostics || []) log(`probe diagnostic: ${d.severity} ${d.code} ${String(d.message).slice(0, 120)}`);
    log(`probe quick fixes: ${(p.codeActions || []).map((a) => a.title).join(' | ')}`);
    log(`probe inline: ${JSON.stringify(p.inline || null)} taken: ${JSON.stringify(p.inlineTaken || null)} diff: ${JSON.stringify(p.diff || null)}`);
    try {
      // Which elements hold the proposals' text: for a selector that stopped matching.
      const holders = await page.evaluate((mark) =>
        [...document.querySelectorAll('.monaco-editor *')]
          .filter((el) => (el.textContent || '').replace(/\u00a0/g, ' ').includes(mark) && el.children.length <= 3)
          .slice(0, 12)
          .map((el) => `${el.tagName}.${String(el.className).replace(/ /g, '.')}`),
      CLAUDE_MARK);
      log(`elements holding Claude's line: ${holders.join(' ')}`);
      await shot('failure.png');
    } catch {}
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main();
