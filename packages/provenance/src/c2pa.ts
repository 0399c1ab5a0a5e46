// Signing and reading C2PA manifests with @trustnxt/c2pa-ts (see docs/provenance.md for the choice).
// Two small adapters live here: an ES256 signer that returns the COSE-mandated IEEE P1363 (r|s)
// signature (the library's LocalSigner emits ASN.1 DER, which c2pa-rs / c2patool reject), and a
// CBOR assertion class for this platform's own labelled assertions.
import { webcrypto } from 'node:crypto';
import { PNG } from '@trustnxt/c2pa-ts/asset';
import { CoseAlgorithmIdentifier, type Signer } from '@trustnxt/c2pa-ts/cose';
import { CBORBox, SuperBox, type IBox } from '@trustnxt/c2pa-ts/jumbf';
import { Assertion, ManifestStore } from '@trustnxt/c2pa-ts/manifest';
import { parseCertificates, privateKeyBytes, type TSigningCredentials } from './credentials';

const CBOR_ASSERTION_UUID = Uint8Array.from(Buffer.from('63626F7200110010800000AA00389B71', 'hex'));

/** A CBOR assertion under an entity-specific label (e.g. `org.musar.generation`). */
export class CborAssertion extends Assertion {
  data: Record<string, unknown>;
  constructor(label: string, data: Record<string, unknown> = {}) {
    super();
    this.label = label;
    this.uuid = CBOR_ASSERTION_UUID;
    this.data = data;
  }
  readContentFromJUMBF(box: IBox): void {
    this.data = (box as CBORBox).content as Record<string, unknown>;
  }
  generateJUMBFBoxForContent(): IBox {
    const box = new CBORBox();
    box.content = this.data;
    return box;
  }
}

/** An ES256 signer over the instance key; returns r|s as COSE (RFC 9053 §2.1) requires. */
export async function createSigner(
  creds: Pick<TSigningCredentials, 'certPem' | 'keyPem'>,
): Promise<Signer> {
  const [certificate, ...chainCertificates] = parseCertificates(creds.certPem);
  if (!certificate) throw new Error('no signing certificate');
  const key = await webcrypto.subtle.importKey(
    'pkcs8',
    privateKeyBytes(creds.keyPem),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  return {
    algorithm: CoseAlgorithmIdentifier.ES256,
    certificate,
    chainCertificates,
    async sign(payload: Uint8Array) {
      return new Uint8Array(
        await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, payload),
      );
    },
  };
}

export function isPng(bytes: Uint8Array): boolean {
  return PNG.canRead(bytes);
}

/** The PNG and its manifest store, or the store undefined when the PNG carries none. */
export function readStore(png: Uint8Array): { asset: PNG; store: ManifestStore | undefined } {
  const asset = new PNG(png);
  const jumbf = asset.getManifestJUMBF();
  if (!jumbf) return { asset, store: undefined };
  return {
    asset,
    store: ManifestStore.read(SuperBox.fromBuffer(jumbf as Uint8Array<ArrayBuffer>)),
  };
}
