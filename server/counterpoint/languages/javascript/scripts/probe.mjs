// -- per-run header: javascript/support.py writes these lines for each run, for its runner --
import test from 'node:test';
import { writeFileSync } from 'node:fs';
import { inspect } from 'node:util';

const CALLS = [];
const NAMES = [];
const TEST_NAME = 'counterpoint differential';
const load = async () => ({});
// -- end of the per-run header --

// The differential probe: one test that calls the target's functions on the same inputs in
// every version, each call twice (a call whose results differ is unstable), and writes what
// each returned or threw to $COUNTERPOINT_DIFF_OUT as JSON.
test(TEST_NAME, async () => {
  let scope = null;
  try {
    const loaded = await load();
    scope = { ...(loaded.default ?? {}), ...loaded };
  } catch (error) {
    scope = null;
  }
  const results = [];
  for (const call of CALLS) {
    const run = () => {
      try {
        if (!scope || NAMES.some((n) => typeof scope[n] !== 'function')) {
          return { ok: false, exception: 'NotExported' };
        }
        const fn = new Function(...NAMES, 'return (' + call + ');');
        const value = fn(...NAMES.map((n) => scope[n]));
        return { ok: true, value: inspect(value, { sorted: true, depth: 20 }).slice(0, 2000) };
      } catch (error) {
        return { ok: false, exception: error?.constructor?.name ?? typeof error };
      }
    };
    const first = run(), second = run();
    const entry = { call, ...first };
    if (JSON.stringify(first) !== JSON.stringify(second)) entry.unstable = true;
    results.push(entry);
  }
  writeFileSync(process.env.COUNTERPOINT_DIFF_OUT, JSON.stringify(results));
});
