// node --test's reporter in every run (`--test-reporter=./_counterpoint/reporter.mjs`): one
// JSON line per test with its file, which node's own JUnit reporter leaves out. The file is
// given relative to the working directory, the package's folder.
import { relative } from 'node:path';

export default async function* reporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    const error = d.details?.error;
    yield JSON.stringify({
      status: event.type === 'test:pass' ? (d.skip || d.todo ? 'skipped' : 'passed') : 'failed',
      name: d.name, file: d.file ? relative(process.cwd(), d.file) : null,
      nesting: d.nesting, kind: d.details?.type ?? 'test',
      message: error ? String(error.cause?.message ?? error.message ?? error).slice(0, 2000) : '',
      duration_ms: d.details?.duration_ms ?? 0,
    }) + '\n';
  }
}
