import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPngFile, writePngFile } from '../image';
import type { TItemResult, TSuiteManifest } from '../io';
import { contactSheet } from './contact';
import { summarise, toMarkdown, type TSummary } from './summary';

export { contactSheet } from './contact';
export { summarise, toMarkdown, METRICS, type TSummary } from './summary';

/** Writes report.md, report.json and contact.png for a scored folder. */
export async function writeReport(
  outDir: string,
  suiteDir: string,
  result: { suite: TSuiteManifest; items: TItemResult[] },
): Promise<{ summary: TSummary; files: string[] }> {
  await mkdir(outDir, { recursive: true });
  const summary = summarise(result.suite, result.items);
  const json = {
    summary,
    items: result.items.map(({ image: _i, ...rest }) => rest),
  };
  const files = [
    join(outDir, 'report.md'),
    join(outDir, 'report.json'),
    join(outDir, 'contact.png'),
  ];
  await writeFile(files[0]!, toMarkdown(summary, result.items));
  await writeFile(files[1]!, JSON.stringify(json, null, 1));
  const byId = new Map(result.suite.items.map((i) => [i.id, i]));
  const rows = result.items.slice(0, 50);
  const refs = await Promise.all(
    rows.map((r) =>
      Promise.all((byId.get(r.id)?.references ?? []).map((p) => readPngFile(join(suiteDir, p)))),
    ),
  );
  await writePngFile(files[2]!, contactSheet(rows, refs));
  return { summary, files };
}
