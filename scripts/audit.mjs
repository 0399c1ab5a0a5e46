#!/usr/bin/env node
// Dependency audit (issue 15): `npm audit` against the registry's advisory endpoint.
//   node scripts/audit.mjs            (npm run audit:deps; .ci/run runs it after the tests)
// - advisories of severity high or critical in production dependencies → exit 1, listed;
// - lower ones, and dev-only ones → listed, exit 0;
// - the advisory endpoint does not answer (offline, a registry mirror without the audit API,
//   a proxy) → says so plainly ("NOT AUDITED") and exits 0: an unreachable endpoint is not a
//   finding and must not fail CI. MUSAR_AUDIT_STRICT=1 makes it exit 2 instead.
import { spawnSync } from 'node:child_process';

const run = (args) =>
  spawnSync('npm', ['audit', '--json', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });

function parse(res) {
  if (res.error) return { unreachable: `${res.error.code ?? ''} ${res.error.message}`.trim() };
  let json;
  try {
    json = JSON.parse(res.stdout || '{}');
  } catch {
    return {
      unreachable: `unreadable answer: ${(res.stderr || res.stdout || '').trim().slice(0, 300)}`,
    };
  }
  // npm writes `{ "message": …, "error": { "code", "summary" } }` when it got no audit report
  // from the endpoint: offline (ENOTFOUND, ETIMEDOUT), or a registry/proxy without the bulk
  // advisory API (e.g. "405 Method Not Allowed - POST …/advisories/bulk").
  if (json.error) {
    const why = json.message || json.error.summary || json.error.code || 'error';
    return { unreachable: String(why).split('\n')[0] };
  }
  if (!json.metadata?.vulnerabilities)
    return {
      unreachable: `no audit report in the answer: ${(res.stderr || '').trim().slice(0, 300)}`,
    };
  return { report: json };
}

const prod = parse(run(['--omit=dev']));
if (prod.unreachable) {
  console.log(`npm audit: the registry's advisory endpoint did not answer (${prod.unreachable}).`);
  console.log(
    'Dependencies were NOT audited. Run `npm run audit:deps` where the registry answers.',
  );
  process.exit(process.env.MUSAR_AUDIT_STRICT === '1' ? 2 : 0);
}
const all = parse(run([]));
const list = (report) =>
  Object.values(report.vulnerabilities ?? {}).map(
    (v) => `  ${v.severity.padEnd(8)} ${v.name}${v.fixAvailable ? '' : ' (no fix available)'}`,
  );
const counts = (report) =>
  Object.entries(report.metadata.vulnerabilities)
    .filter(([k, n]) => k !== 'total' && n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || 'none';
console.log(`npm audit, production dependencies: ${counts(prod.report)}`);
for (const line of list(prod.report)) console.log(line);
if (all.report) console.log(`npm audit, with dev dependencies: ${counts(all.report)}`);
const { high = 0, critical = 0 } = prod.report.metadata.vulnerabilities;
if (high + critical > 0) {
  console.log(
    `FAIL: ${high + critical} high/critical advisories in production dependencies (npm audit fix, or an override in package.json).`,
  );
  process.exit(1);
}
console.log('OK: no high or critical advisory in production dependencies.');
