import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initSync, WasmReader } from '@contentauth/c2pa-wasm';
import { generateCredentials, resolveSigningCredentials, trustAnchorOf } from './credentials';
import {
  sign,
  signApproval,
  TRAINED_ALGORITHMIC_MEDIA,
  type TApprovalManifest,
  type TGenerationManifest,
} from './sign';
import { verify } from './verify';
import { changeManifestByte, changeOnePixel, makePng } from './testing';

// c2pa-rs (the CAI's reference implementation, the engine of c2patool) compiled to wasm: an
// independent validator for what c2pa-ts writes.
const require = createRequire(import.meta.url);
initSync({ module: readFileSync(require.resolve('@contentauth/c2pa-wasm/c2pa.wasm')) });
async function c2paRs(png: Uint8Array, anchorPem?: string) {
  const context = anchorPem ? JSON.stringify({ trust: { user_anchors: anchorPem } }) : undefined;
  const reader = await WasmReader.fromBytes('image/png', png, context);
  return JSON.parse(reader.json()) as {
    active_manifest: string;
    manifests: Record<
      string,
      {
        assertions: { label: string; data: Record<string, unknown> }[];
        ingredients?: { relationship: string; active_manifest?: string }[];
      }
    >;
    validation_state: string;
    validation_status?: { code: string }[];
    validation_results?: {
      ingredientDeltas?: {
        validationDeltas: { success: { code: string }[]; failure: { code: string }[] };
      }[];
    };
  };
}

let creds: Awaited<ReturnType<typeof generateCredentials>>;
let other: Awaited<ReturnType<typeof generateCredentials>>;
beforeAll(async () => {
  creds = await generateCredentials();
  other = await generateCredentials({ organization: 'Someone else' });
});

const generation: TGenerationManifest = {
  requestId: '6a1c1c57-3f7e-4c55-a3a4-0a3f5a9b8c11',
  index: 0,
  seed: 42,
  model: {
    versionId: 'f2d5c1b0-2b66-4a4c-9d7f-3c1f1e0f0a01',
    name: 'musar-adapter-3',
    weightsSha256: 'ab'.repeat(32),
  },
  routing: { threshold: 0.4, smoothing: 1 },
  subjectIds: ['0b3d3f1e-4a8e-4c7b-9f5d-1f2e3d4c5b6a', '1c4e4f2f-5b9f-4d8c-8e6e-2f3e4d5c6b7b'],
  consentRecordIds: [
    '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a',
    '8d7c6b5a-4938-4271-8069-5e4d3c2b1a09',
  ],
  createdAt: '2026-11-30T12:00:00.000Z',
};
const approval: TApprovalManifest = {
  outputId: '7b6a5948-3726-4150-8f9e-8d7c6b5a4938',
  decision: 'approved',
  decidedAt: '2026-11-30T12:05:00.000Z',
  via: 'consensus',
  reviewers: [{ role: 'reviewer', at: '2026-11-30T12:05:00.000Z' }],
};

describe('generation manifest', () => {
  it('validates with the library validator, records the generation and chains to the instance CA', async () => {
    const png = await sign(makePng(), generation, creds);
    const result = await verify(png, { trustAnchors: [creds.caPem] });
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ hasCredentials: true, valid: true, trusted: true });
    expect(result.manifests).toHaveLength(1);
    const [m] = result.manifests;
    expect(m!.actions).toEqual([
      expect.objectContaining({
        action: 'c2pa.created',
        digitalSourceType: TRAINED_ALGORITHMIC_MEDIA,
      }),
    ]);
    expect(m!.generation).toEqual(generation);
    expect(m!.status.map((s) => s.code)).toEqual(
      expect.arrayContaining(['claimSignature.validated', 'assertion.dataHash.match']),
    );
    // another instance's CA does not vouch for it; the content is still intact
    expect(await verify(png, { trustAnchors: [other.caPem] })).toMatchObject({
      valid: true,
      trusted: false,
    });
  });

  it('is valid for c2pa-rs (c2patool) too, and trusted once the CA is a trust anchor', async () => {
    const png = await sign(makePng(), generation, creds);
    const plain = await c2paRs(png);
    expect(plain.validation_state).toBe('Valid'); // valid, but its CA is nobody's trust anchor
    expect(plain.validation_status?.map((s) => s.code)).toEqual(['signingCredential.untrusted']);
    expect((await c2paRs(png, trustAnchorOf(creds.certPem))).validation_state).toBe('Trusted');
    const assertions = plain.manifests[plain.active_manifest]!.assertions;
    expect(assertions.find((a) => a.label === 'org.musar.generation')?.data).toEqual(generation);
    expect(assertions.find((a) => a.label === 'c2pa.actions.v2')?.data).toMatchObject({
      actions: [{ action: 'c2pa.created', digitalSourceType: TRAINED_ALGORITHMIC_MEDIA }],
    });
  });

  it('fails validation when one pixel changes', async () => {
    const png = await sign(makePng(), generation, creds);
    const tampered = changeOnePixel(png);
    expect(tampered.length).toBe(png.length);
    const result = await verify(tampered, { trustAnchors: [creds.caPem] });
    expect(result).toMatchObject({ hasCredentials: true, valid: false });
    expect(result.errors.join()).toContain('assertion.dataHash.mismatch');
    expect((await c2paRs(tampered)).validation_state).toBe('Invalid');
  });

  it('fails validation when one manifest byte changes', async () => {
    const png = await sign(makePng(), generation, creds);
    const tampered = changeManifestByte(png, generation.model.name);
    const result = await verify(tampered);
    expect(result).toMatchObject({ hasCredentials: true, valid: false });
    expect(result.errors.join()).toContain('assertion.hashedURI.mismatch');
    expect((await c2paRs(tampered)).validation_state).toBe('Invalid');
  });

  it('refuses input it must not sign', async () => {
    await expect(sign(makePng(), { ...generation, subjectIds: [] }, creds)).rejects.toThrow();
    const png = await sign(makePng(), generation, creds);
    await expect(sign(png, generation, creds)).rejects.toThrow(/already/);
  });
});

describe('approval manifest', () => {
  it('is the active manifest, with the generated manifest as its parentOf ingredient', async () => {
    const generated = await sign(makePng(), generation, creds);
    const generatedLabel = (await verify(generated)).activeManifest!;
    const approved = await signApproval(generated, approval, creds);
    const result = await verify(approved, { trustAnchors: [creds.caPem] });
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ valid: true, trusted: true });
    expect(result.manifests.map((m) => m.label)).toEqual([generatedLabel, result.activeManifest]);
    const active = result.manifests.find((m) => m.active)!;
    expect(active.review).toEqual(approval);
    expect(active.parents).toEqual([generatedLabel]);
    expect(active.status).toContainEqual(
      expect.objectContaining({ code: 'ingredient.manifest.validated', success: true }),
    );
    expect(active.actions.map((a) => a.action)).toEqual(['c2pa.opened', 'c2pa.published']);
    expect(result.manifests[0]!.generation).toEqual(generation);

    const rs = await c2paRs(approved);
    expect(rs.validation_state).toBe('Valid');
    expect(rs.manifests[rs.active_manifest]!.ingredients).toEqual([
      expect.objectContaining({ relationship: 'parentOf', active_manifest: generatedLabel }),
    ]);
    expect(
      rs.validation_results?.ingredientDeltas?.[0]?.validationDeltas.success.map((s) => s.code),
    ).toContain('ingredient.manifest.validated');
  });

  it('breaks when the generated manifest inside it is changed', async () => {
    const approved = await signApproval(await sign(makePng(), generation, creds), approval, creds);
    const tampered = changeManifestByte(approved, generation.model.name);
    const result = await verify(tampered);
    expect(result.valid).toBe(false);
    expect(result.errors.join()).toMatch(
      /ingredient .*(hashedURI.mismatch|ingredient.manifest.mismatch)|ingredient.manifest.mismatch/,
    );
  });

  it('needs credentials to approve', async () => {
    await expect(signApproval(makePng(), approval, creds)).rejects.toThrow(
      /no Content Credentials/,
    );
  });
});

describe('verify', () => {
  it('reports a plain PNG as having no credentials', async () => {
    expect(await verify(makePng())).toEqual({
      hasCredentials: false,
      valid: false,
      trusted: false,
      activeManifest: null,
      manifests: [],
      errors: ['no credentials'],
    });
  });
  it('says when the file is not a PNG', async () => {
    expect((await verify(new TextEncoder().encode('hello'))).errors).toEqual(['not a PNG image']);
  });
});

describe('signing credentials', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'musar-c2pa-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are generated once in the data folder in embedded mode and reused', async () => {
    const first = await resolveSigningCredentials(dir, {});
    const again = await resolveSigningCredentials(dir, {});
    expect(again).toEqual(first);
    expect(first.source).toBe(join(dir, 'c2pa'));
    const png = await sign(makePng(), generation, first);
    expect(await verify(png, { trustAnchors: [trustAnchorOf(first.certPem)] })).toMatchObject({
      valid: true,
      trusted: true,
    });
  });

  it('come from MUSAR_C2PA_CERT / MUSAR_C2PA_KEY when set, and are required in production', async () => {
    const env = {
      MUSAR_C2PA_CERT: other.certPem,
      MUSAR_C2PA_KEY: other.keyPem,
      DATABASE_URL: 'postgres://x',
    };
    expect(await resolveSigningCredentials(dir, env)).toMatchObject({
      certPem: other.certPem,
      source: 'env',
    });
    await expect(resolveSigningCredentials(dir, { DATABASE_URL: 'postgres://x' })).rejects.toThrow(
      /required in production/,
    );
    await expect(
      resolveSigningCredentials(dir, { MUSAR_C2PA_CERT: other.certPem }),
    ).rejects.toThrow(/both/);
  });
});
