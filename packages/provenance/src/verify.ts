// Reading and validating an image's Content Credentials with the library's validator:
// - the active manifest: claim signature, every assertion's hashed URI, the hard binding (data
//   hash) against the image bytes;
// - each earlier manifest it names as a parentOf ingredient: the ingredient's hashed reference to
//   that manifest, its claim signature and assertion hashes. Its data hash is not checked against
//   the current bytes (C2PA §15: an ingredient's hard binding describes the ingredient asset, which
//   the new manifest replaced), and
// - whether the signing certificate chains to one of the given trust anchors (this instance's CA).
import {
  IngredientAssertion,
  ActionAssertion,
  type Manifest,
  type ManifestStore,
} from '@trustnxt/c2pa-ts/manifest';
import type { X509Certificate } from '@peculiar/x509';
import { CborAssertion, isPng, readStore } from './c2pa';
import { parseCertificates } from './credentials';
import {
  GENERATION_LABEL,
  REVIEW_LABEL,
  ZApprovalManifest,
  ZGenerationManifest,
  type TApprovalManifest,
  type TGenerationManifest,
} from './sign';

export type TStatus = { code: string; url?: string; explanation?: string; success: boolean };

export type TManifestReport = {
  label: string;
  active: boolean;
  claimGenerator: string | null;
  signer: { subject: string; issuer: string; serialNumber: string; notAfter: string } | null;
  actions: { action: string; digitalSourceType?: string; description?: string }[];
  /** org.musar.generation, when present and well-formed. */
  generation: TGenerationManifest | null;
  /** org.musar.review, when present and well-formed. */
  review: TApprovalManifest | null;
  /** Labels of the manifests this one names as parentOf ingredients. */
  parents: string[];
  valid: boolean;
  status: TStatus[];
};

export type TVerifyResult = {
  hasCredentials: boolean;
  /** Every checked manifest validates and the ingredient chain is intact. */
  valid: boolean;
  /** The active manifest's signer chains to one of the trust anchors given. */
  trusted: boolean;
  activeManifest: string | null;
  /** Oldest first; the active one last. */
  manifests: TManifestReport[];
  errors: string[];
};

type TReferenceCheck = {
  validateHashedReference(
    ref: NonNullable<IngredientAssertion['activeManifest']>,
  ): Promise<boolean>;
};

const statusOf = (
  entries: { code: string; url?: string; explanation?: string; success?: boolean }[],
): TStatus[] =>
  entries.map((e) => ({
    code: e.code,
    ...(e.url ? { url: e.url } : {}),
    ...(e.explanation ? { explanation: e.explanation } : {}),
    success: e.success !== false,
  }));

const labelOfUri = (uri: string) =>
  uri.replace(/^self#jumbf=/, '').match(/^\/c2pa\/([^/]+)$/)?.[1] ?? null;

function chainsTo(
  cert: X509Certificate | undefined,
  chain: X509Certificate[],
  anchors: X509Certificate[],
): Promise<boolean> {
  if (!cert || anchors.length === 0) return Promise.resolve(false);
  const now = new Date();
  return (async () => {
    // walk leaf → issuers given in the manifest, stopping at an anchor
    let current = cert;
    const pool = [...chain];
    for (let depth = 0; depth < 8; depth++) {
      if (current.notBefore > now || current.notAfter < now) return false;
      for (const anchor of anchors) {
        if (Buffer.from(current.rawData).equals(Buffer.from(anchor.rawData))) return true;
        if (
          current.issuer === anchor.subject &&
          (await current.verify({ publicKey: anchor.publicKey, signatureOnly: true }))
        )
          return true;
      }
      const next = pool.find((c) => c.subject === current.issuer);
      if (!next || !(await current.verify({ publicKey: next.publicKey, signatureOnly: true })))
        return false;
      current = next;
    }
    return false;
  })();
}

function describe(manifest: Manifest, active: boolean, status: TStatus[]): TManifestReport {
  const assertions = manifest.assertions?.assertions ?? [];
  const custom = (label: string) => {
    const a = assertions.find((x) => x.label === label);
    if (!a?.sourceBox) return null;
    const parsed = new CborAssertion(label);
    try {
      parsed.readContentFromJUMBF(a.sourceBox.contentBoxes[0]!);
    } catch {
      return null;
    }
    return parsed.data;
  };
  const generation = ZGenerationManifest.safeParse(custom(GENERATION_LABEL));
  const review = ZApprovalManifest.safeParse(custom(REVIEW_LABEL));
  const sig = manifest.signature?.signatureData.certificate;
  return {
    label: manifest.label ?? '',
    active,
    claimGenerator: manifest.claim?.claimGeneratorName ?? null,
    signer: sig
      ? {
          subject: sig.subject,
          issuer: sig.issuer,
          serialNumber: sig.serialNumber,
          notAfter: sig.notAfter.toISOString(),
        }
      : null,
    actions: assertions
      .filter((a): a is ActionAssertion => a instanceof ActionAssertion)
      .flatMap((a) => a.actions)
      .map((a) => ({
        action: a.action,
        ...(a.digitalSourceType ? { digitalSourceType: a.digitalSourceType } : {}),
        ...(a.description ? { description: a.description } : {}),
      })),
    generation: generation.success ? generation.data : null,
    review: review.success ? review.data : null,
    parents: assertions
      .filter(
        (a): a is IngredientAssertion =>
          a instanceof IngredientAssertion && a.relationship === 'parentOf',
      )
      .map((a) => (a.activeManifest ? labelOfUri(a.activeManifest.uri) : null))
      .filter((l): l is string => Boolean(l)),
    valid: status.every((s) => s.success),
    status,
  };
}

/** Validates the image's Content Credentials; `trustAnchors`: PEM CA certificates to trust. */
export async function verify(
  png: Uint8Array,
  opts: { trustAnchors?: string[] } = {},
): Promise<TVerifyResult> {
  const none: TVerifyResult = {
    hasCredentials: false,
    valid: false,
    trusted: false,
    activeManifest: null,
    manifests: [],
    errors: [],
  };
  if (!isPng(png)) return { ...none, errors: ['not a PNG image'] };
  let asset: ReturnType<typeof readStore>['asset'];
  let store: ManifestStore | undefined;
  try {
    ({ asset, store } = readStore(png));
  } catch (error) {
    return {
      ...none,
      hasCredentials: true,
      errors: [`unreadable manifest store: ${(error as Error).message}`],
    };
  }
  if (!store) return { ...none, errors: ['no credentials'] };
  const active = store.getActiveManifest();
  if (!active)
    return { ...none, hasCredentials: true, errors: ['the manifest store has no manifest'] };

  const reports = new Map<Manifest, TManifestReport>();
  const errors: string[] = [];
  const visit = async (manifest: Manifest, isActive: boolean, depth: number): Promise<void> => {
    if (reports.has(manifest) || depth > 16) return;
    let entries: TStatus[];
    try {
      entries = statusOf((await manifest.validate(asset)).statusEntries);
    } catch (error) {
      entries = [{ code: 'general.error', explanation: (error as Error).message, success: false }];
    }
    // an ingredient's own hard binding describes the image before this manifest was added
    if (!isActive)
      entries = entries.filter((e) => e.success || e.code !== 'assertion.dataHash.mismatch');
    const parents: Manifest[] = [];
    for (const a of manifest.assertions?.assertions ?? []) {
      if (!(a instanceof IngredientAssertion) || a.relationship !== 'parentOf' || !a.activeManifest)
        continue;
      const label = labelOfUri(a.activeManifest.uri);
      const parent = label ? store!.getManifestByLabel(label) : undefined;
      const matched = parent
        ? await (manifest as unknown as TReferenceCheck).validateHashedReference(a.activeManifest)
        : false;
      entries.push({
        code: matched ? 'ingredient.manifest.validated' : 'ingredient.manifest.mismatch',
        url: a.activeManifest.uri,
        success: matched,
      });
      if (parent) parents.push(parent);
    }
    reports.set(manifest, describe(manifest, isActive, entries));
    for (const p of parents) await visit(p, false, depth + 1);
  };
  await visit(active, true, 0);
  const manifests = store.manifests.filter((m) => reports.has(m)).map((m) => reports.get(m)!);
  for (const m of manifests)
    for (const s of m.status)
      if (!s.success)
        errors.push(
          `${m.active ? 'active manifest' : `ingredient ${m.label}`}: ${s.code}${s.explanation ? ` (${s.explanation})` : ''}`,
        );
  const anchors = (opts.trustAnchors ?? []).flatMap(parseCertificates);
  const sig = active.signature?.signatureData;
  const trusted = await chainsTo(sig?.certificate, sig?.chainCertificates ?? [], anchors).catch(
    () => false,
  );
  return {
    hasCredentials: true,
    valid: errors.length === 0,
    trusted,
    activeManifest: active.label ?? null,
    manifests,
    errors,
  };
}
