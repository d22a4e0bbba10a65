// Drives a real VS Code (code-server) in headless Chromium through the Counterpoint extension:
// open windows.py, select window_sums, run "Counterpoint: Cross-check selection" and answer its
// instruction picker, wait for the diagnostic, show the hover, open the side-by-side diff,
// apply "Accept Claude's proposal", save. Assertions read the JSON probe the extension writes
// (COUNTERPOINT_E2E_PROBE) and the file on disk. Used by scripts/vscode-e2e.sh.
//
// env: PLAYWRIGHT_CORE (path of the playwright-core package), CS_URL, PROBE, PROJECT, ARTIFACTS

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const URL = process.env.CS_URL;
const PROBE = process.env.PROBE;
const PROJECT = process.env.PROJECT;
const ARTIFACTS = process.env.ARTIFACTS;
const FILE = path.join(PROJECT, 'windows.py');
const started = Date.now();

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

async function waitFor(what, predicate, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function check(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
  log(`ok: ${message}`);
}

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

  try {
    await page.goto(`${URL}/?folder=${encodeURIComponent(PROJECT)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    await page.waitForTimeout(2000);
    log('workbench loaded');

    // Open windows.py through Quick Open.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible' });
    await input.fill('windows.py');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-lines').first().waitFor();
    log('windows.py open');

    await waitFor('the language client to run', () => probe().clientState === 'Running', 60000);
    log('language client running');

    // Select window_sums: lines 1-7.
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 7; i++) await page.keyboard.press('Shift+ArrowDown');

    // The real command and its instruction picker.
    await palette('Counterpoint: Cross-check selection');
    const pick = page.locator('.quick-input-widget input').first();
    await page.waitForFunction(() => {
      const el = document.querySelector('.quick-input-widget .quick-input-title');
      return el && /Cross-check selection/.test(el.textContent || '');
    }, null, { timeout: 15000 });
    await pick.fill('fix the off-by-one');
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    log('cross-check started with instruction "fix the off-by-one"');

    const p1 = await waitFor(
      'the cross-check result and its diagnostics',
      () => {
        const p = probe();
        const hover = (p.hover || []).join('\n');
        const ready =
          p.lastSummary &&
          (p.diagnostics || []).some((d) => d.code === 'verified-one') &&
          /if k > len\(xs\):/.test(hover) &&
          (p.codeActions || []).some((a) => /^Accept Claude's proposal/.test(a.title)) &&
          /verified, one passes/.test(p.status?.text || '');
        return ready ? p : null;
      },
      120000,
    );
    check(JSON.stringify(p1.lastArgs) && p1.lastArgs.instruction === 'fix the off-by-one', 'the server got the typed instruction');
    check(p1.lastArgs.range.start.line === 0 && p1.lastArgs.range.end.line === 7, 'the server got the selected lines 1-7');
    const label = typeof p1.lastSummary.confidence === 'string' ? p1.lastSummary.confidence : p1.lastSummary.confidence?.label;
    log(`summary: confidence=${label} recommended=${p1.lastSummary.recommended}`);
    check(p1.lastSummary.recommended === 'claude', 'Claude is recommended');
    check(p1.diagnostics.some((d) => d.code === 'verified-one'), 'VS Code holds the verified-one diagnostic');
    check((p1.progress || []).some((m) => /propos/i.test(m)), `the status bar saw the server's stages (${(p1.progress || []).slice(0, 3).join(' | ')} …)`);
    check(/verified, one passes/.test(p1.status?.text || ''), `the status bar shows the last label in words: "${p1.status?.text}"`);
    check(/\$\d+\.\d{4}/.test(p1.status?.text || ''), `the status bar shows the session's cost: "${p1.status?.text}"`);
    const hoverText = (p1.hover || []).join('\n');
    check(/range\(len\(xs\) - k \+ 1\)/.test(hoverText) && /if k > len\(xs\):/.test(hoverText), 'the hover holds both versions');
    const titles = (p1.codeActions || []).map((a) => a.title);
    check(titles.some((t) => /^Accept Claude's proposal \(recommended\)/.test(t)), `quick fix offered: ${titles.find((t) => /^Accept Claude/.test(t))}`);
    check(titles.some((t) => /^Accept GPT's proposal/.test(t)), 'quick fix for GPT offered too');

    // Problems panel, then the hover on the disputed line 7.
    await palette('View: Focus Problems (Errors, Warnings, Infos)');
    await page.waitForTimeout(800);
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+g');
    await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
    await page.keyboard.type('7:12');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    await palette('Show or Focus Hover');
    await page.locator('.monaco-hover:visible').first().waitFor({ timeout: 15000 });
    await page.waitForTimeout(800);
    const visibleHover = await page.locator('.monaco-hover:visible').first().innerText();
    check(/Disputed region/.test(visibleHover) && /Claude/.test(visibleHover) && /GPT/.test(visibleHover), 'the hover shows the disputed region as each wrote it');
    // VS Code puts the diagnostics' messages first in the hover: scroll the hover down to the
    // disputed region, so the screenshot shows both versions of it.
    const hoverBox = await page.locator('.monaco-hover:visible').first().boundingBox();
    const region = page.locator('.monaco-hover:visible').getByText('Disputed region').first();
    if (hoverBox) {
      await page.mouse.move(hoverBox.x + hoverBox.width / 2, hoverBox.y + hoverBox.height / 2);
      for (let i = 0; i < 40; i++) {
        const box = await region.boundingBox();
        if (!box || box.y <= hoverBox.y + 30) break;
        await page.mouse.wheel(0, Math.min(40, box.y - hoverBox.y - 8));
        await page.waitForTimeout(80);
      }
      await page.waitForTimeout(400);
      log(`hover ${Math.round(hoverBox.width)}x${Math.round(hoverBox.height)} px`);
    }
    await shot('diagnostic-and-hover.png');
    await page.keyboard.press('Escape');

    // The side-by-side diff of both proposals.
    await palette('Counterpoint: Show side-by-side diff');
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 20000 });
    await page.waitForTimeout(1500);
    const p2 = await waitFor('the diff in the probe', () => probe().diff);
    check(p2.left === 'Claude' && p2.right === 'GPT', `the diff opened: ${p2.title}`);
    await shot('side-by-side-diff.png');

    // Back to windows.py; accept Claude's proposal from the quick fix menu, then save.
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget input').first().fill('windows.py');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(800);
    await page.keyboard.press('Control+g');
    await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible' });
    await page.keyboard.type('7:12');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    await page.keyboard.press('Control+.');
    const item = page.locator('.action-widget').getByText(/Accept Claude's proposal/).first();
    await item.waitFor({ timeout: 15000 });
    await shot('quick-fix-menu.png');
    await item.click();
    await page.waitForTimeout(800);
    await page.keyboard.press('Control+s');
    const saved = await waitFor('windows.py saved with the fix', () => {
      const text = fs.readFileSync(FILE, 'utf8');
      return /range\(len\(xs\) - k \+ 1\)/.test(text) ? text : null;
    }, 20000);
    check(!/if k > len\(xs\)/.test(saved) && /def untouched\(\):/.test(saved), "windows.py on disk now holds Claude's fix and nothing else changed");
    await page.waitForTimeout(1500);
    await shot('after-accept.png');
    log('PASS');
  } catch (error) {
    log(`FAIL: ${error && error.message ? error.message : error}`);
    const p = probe();
    log(`probe: client=${p.clientState} status=${p.status?.text} serverError=${p.serverError || ''} lastError=${p.lastError || ''}`);
    for (const d of p.diagnostics || []) log(`probe diagnostic: ${d.severity} ${String(d.message).slice(0, 120)}`);
    log(`probe quick fixes: ${(p.codeActions || []).map((a) => a.title).join(' | ')}`);
    try {
      await shot('failure.png');
    } catch {}
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main();
