import { readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import {
  generateSubject,
  parseSubjectSpec,
  renderReference,
  renderScene,
  EVAL_SUITE_NAMES,
  writePngFile,
  ZScene,
  type TEvalSuiteName,
} from '@musar/toyworld';
import { scoreFolder, writeSuiteDir } from '@musar/toyworld/io';
import { writeReport } from '@musar/toyworld/report';
import { intOption, requireOption, UsageError, type TCommandGroup } from '../command';

async function readJson(path: string): Promise<unknown> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`${path}: cannot read`);
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`${path}: malformed JSON (${(err as Error).message})`);
  }
}

export const world: TCommandGroup = {
  summary: 'the toy world: subjects, renders, evaluation suites, scoring',
  commands: {
    subject: {
      summary: 'render the reference photo of the subject of a seed',
      usage: 'musar world subject --seed N --out ref.png [--spec-out s.json] [--size 32]',
      options: {
        seed: { type: 'string' },
        out: { type: 'string' },
        'spec-out': { type: 'string' },
        size: { type: 'string' },
      },
      async run(v, io) {
        const usage = this.usage;
        const seed = intOption(v, 'seed', NaN);
        if (Number.isNaN(seed)) throw new UsageError(`missing --seed\nusage: ${usage}`);
        const out = requireOption(v, 'out', usage);
        const spec = generateSubject(seed);
        await writePngFile(out, renderReference(spec, intOption(v, 'size', 32, 8)));
        if (typeof v['spec-out'] === 'string') {
          await mkdir(dirname(v['spec-out']), { recursive: true });
          await writeFile(v['spec-out'], JSON.stringify(spec, null, 1) + '\n');
        }
        io.out(
          `${out}: ${spec.body} ${spec.shape} toy, ${spec.accent} ${spec.pattern}, glyph ${spec.glyph.join('')}`,
        );
      },
    },
    render: {
      summary: 'render a subject spec (reference view) or a scene spec to PNG',
      usage: 'musar world render --spec s.json --out x.png [--size 32]',
      options: { spec: { type: 'string' }, out: { type: 'string' }, size: { type: 'string' } },
      async run(v, io) {
        const specPath = requireOption(v, 'spec', this.usage);
        const out = requireOption(v, 'out', this.usage);
        const size = intOption(v, 'size', 32, 8);
        const json = await readJson(specPath);
        if (json && typeof json === 'object' && 'placements' in json) {
          const scene = ZScene.safeParse(json);
          if (!scene.success) {
            const i = scene.error.issues[0]!;
            throw new UsageError(
              `${specPath}: invalid scene at ${i.path.join('.') || '(root)'}: ${i.message}`,
            );
          }
          await writePngFile(out, renderScene(scene.data, size).image);
        } else {
          await writePngFile(out, renderReference(parseSubjectSpec(json, specPath), size));
        }
        io.out(`${out}: ${size}x${size}`);
      },
    },
    suite: {
      summary:
        'write an evaluation suite (prompts, specs, references): base = the base task (prompt only), single = one held-out subject, two-/three-/four-subject = held-out multi-subject scenes',
      usage: `musar world suite --name ${EVAL_SUITE_NAMES.join('|')} --out DIR [--count 100] [--first 0] [--size 32] [--with-truth] — items from --first (0: the test split every reported number uses; e.g. 100: a validation split for tuning)`,
      options: {
        name: { type: 'string' },
        out: { type: 'string' },
        count: { type: 'string' },
        first: { type: 'string' },
        size: { type: 'string' },
        'with-truth': { type: 'boolean' },
      },
      async run(v, io) {
        const name = requireOption(v, 'name', this.usage);
        if (!(EVAL_SUITE_NAMES as readonly string[]).includes(name))
          throw new UsageError(
            `--name must be one of ${EVAL_SUITE_NAMES.join(', ')} (got ${name})`,
          );
        const out = requireOption(v, 'out', this.usage);
        const m = await writeSuiteDir(out, name as TEvalSuiteName, {
          count: intOption(v, 'count', 100, 1),
          first: intOption(v, 'first', 0, 0),
          size: intOption(v, 'size', 32, 8),
          withTruth: v['with-truth'] === true,
        });
        io.out(
          `${out}: ${m.items.length} items of ${name} (from ${m.items[0]!.id}) at ${m.size}x${m.size}${v['with-truth'] ? ' (with truth/)' : ''}`,
        );
      },
    },
    score: {
      summary: 'score a folder of generated images (<id>.png) against a suite; writes a report',
      usage: 'musar world score --suite DIR --images DIR --out report/',
      options: { suite: { type: 'string' }, images: { type: 'string' }, out: { type: 'string' } },
      async run(v, io) {
        const suiteDir = requireOption(v, 'suite', this.usage);
        const result = await scoreFolder(suiteDir, requireOption(v, 'images', this.usage));
        const { summary, files } = await writeReport(
          requireOption(v, 'out', this.usage),
          suiteDir,
          result,
        );
        for (const id of summary.missing) io.err(`missing: ${id}`);
        for (const e of summary.errors) io.err(`error: ${e.error}`);
        const m = summary.mean;
        io.out(
          `${summary.scored}/${summary.items} scored — fidelity ${m.fidelity.toFixed(3)}, leakage ${m.leakage.toFixed(3)}, seam rate ${summary.seamRate.toFixed(3)}, count ${m.count.toFixed(3)}, relation ${m.relation.toFixed(3)}, background ${m.background.toFixed(3)}`,
        );
        const b = summary.metrics;
        if (b.namedSubjects > 0 || summary.suite === 'base')
          io.out(
            `base score — shape ${b.shape.toFixed(3)}, named body ${b.namedBody === null ? '—' : b.namedBody.toFixed(3)}, count ${b.count.toFixed(3)}, relation ${b.relation.toFixed(3)}, background ${b.background.toFixed(3)}`,
          );
        io.out(`wrote ${files.join(', ')}`);
      },
    },
  },
};
