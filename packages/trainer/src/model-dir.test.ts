import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCard } from './model-dir';

const card = {
  name: 'identity',
  kind: 'adapter',
  base: '../base',
  stage: 'single-ref',
  data: '{}',
  steps: 1,
  samples: 8,
  wallClockSeconds: 1,
  hardware: 'test',
  backend: 'cpu',
  command: 'test',
  metrics: {},
};

async function folderWith(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'musar-card-'));
  await writeFile(join(dir, 'card.json'), JSON.stringify(content));
  return dir;
}

describe('readCard: the sampling defaults of a model folder', () => {
  it('reads a card without `sampling` as before, and one with it validated', async () => {
    expect((await readCard(await folderWith(card))).sampling).toBeUndefined();
    const sampling = { guidance: { prompt: 1.5, reference: 4.5 }, steps: 30 };
    expect((await readCard(await folderWith({ ...card, sampling }))).sampling).toEqual(sampling);
  });

  it.each([
    [{ guidance: { prompt: 999, reference: 3 } }, /sampling\.guidance\.prompt: .*50/],
    [{ guidance: { prompt: 2 } }, /sampling\.guidance\.reference/],
    [{ steps: 0 }, /sampling\.steps: /],
    [{ steps: 1000 }, /sampling\.steps: .*200/],
    [{ guidence: { prompt: 2, reference: 2 } }, /sampling: .*guidence/],
  ])('refuses sampling %j with an error naming the file and the field', async (sampling, field) => {
    const dir = await folderWith({ ...card, sampling });
    const read = readCard(dir);
    await expect(read).rejects.toThrow(join(dir, 'card.json'));
    await expect(readCard(dir)).rejects.toThrow(/invalid "sampling" in the model card/);
    await expect(readCard(dir)).rejects.toThrow(field);
  });
});
