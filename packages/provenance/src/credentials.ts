// The instance's C2PA signing credentials: an ES256 (ECDSA P-256) key and a certificate chain.
// C2PA requires the signing certificate to be an end-entity certificate (not self-signed) with the
// digitalSignature key usage and a C2PA-acceptable extended key usage, so embedded mode makes a small
// CA of its own and issues the signing certificate from it. Production passes its own in
// MUSAR_C2PA_CERT (PEM chain, leaf first) and MUSAR_C2PA_KEY (PEM PKCS#8), as text or as file paths.
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type TSigningCredentials = {
  /** PEM PKCS#8 private key (ECDSA P-256). */
  keyPem: string;
  /** PEM certificates, leaf first, then its issuers. */
  certPem: string;
  /** Where they came from: `env` or the data-folder path. */
  source: string;
};

type Env = Record<string, string | undefined>;

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
const DOCUMENT_SIGNING = '1.3.6.1.5.5.7.3.36';

const toPem = (der: ArrayBuffer, label: string) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim()}\n-----END ${label}-----\n`;

/** Splits a PEM bundle into its certificates (leaf first, as given). */
export function parseCertificates(pem: string): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new x509.X509Certificate(b));
}

/** The DER bytes of a PEM PKCS#8 private key. */
export function privateKeyBytes(pem: string): Uint8Array {
  const m = pem.match(/-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/);
  if (!m) throw new Error('the C2PA signing key must be a PEM "PRIVATE KEY" (PKCS#8)');
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s/g, ''), 'base64'));
}

/** A fresh CA and an ES256 signing certificate issued by it (valid ten years). */
export async function generateCredentials(
  opts: { organization?: string; now?: Date } = {},
): Promise<{ keyPem: string; certPem: string; caPem: string }> {
  const org = (opts.organization ?? 'MUSAR Review instance').replace(/[,=+<>#;"\\]/g, ' ');
  const notBefore = new Date((opts.now ?? new Date()).getTime() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + 10 * 365 * 86_400_000);
  const serial = () =>
    Buffer.from(webcrypto.getRandomValues(new Uint8Array(12)))
      .toString('hex')
      .replace(/^[89a-f]/, '1');
  const caKeys = (await webcrypto.subtle.generateKey(EC, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${org} C2PA CA,O=${org}`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${org} C2PA signer,O=${org}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([EMAIL_PROTECTION, DOCUMENT_SIGNING], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const keyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return {
    keyPem,
    certPem: leaf.toString('pem') + '\n' + ca.toString('pem') + '\n',
    caPem: ca.toString('pem') + '\n',
  };
}

const isProduction = (env: Env) => Boolean(env.DATABASE_URL) || env.MUSAR_MODE === 'production';
const pemOrFile = (value: string) =>
  value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');

/**
 * MUSAR_C2PA_CERT + MUSAR_C2PA_KEY when set (required in production mode); otherwise, in embedded
 * mode, the pair kept in `<dataDir>/c2pa/`, generated on first use (like the auth secret).
 */
export async function resolveSigningCredentials(
  dataDir: string,
  env: Env = process.env,
): Promise<TSigningCredentials> {
  const cert = env.MUSAR_C2PA_CERT;
  const key = env.MUSAR_C2PA_KEY;
  if (cert || key) {
    if (!cert || !key)
      throw new Error('set both MUSAR_C2PA_CERT and MUSAR_C2PA_KEY (PEM text or file paths)');
    const creds = { certPem: pemOrFile(cert), keyPem: pemOrFile(key), source: 'env' };
    assertUsable(creds);
    return creds;
  }
  if (isProduction(env))
    throw new Error('MUSAR_C2PA_CERT and MUSAR_C2PA_KEY are required in production mode');
  const dir = join(dataDir, 'c2pa');
  const certFile = join(dir, 'signer-chain.pem');
  const keyFile = join(dir, 'signer-key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const made = await generateCredentials();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // key first, chain last: the chain's presence marks a complete pair
    if (!existsSync(certFile)) {
      writeFileSync(`${keyFile}.tmp`, made.keyPem, { mode: 0o600 });
      renameSync(`${keyFile}.tmp`, keyFile);
      writeFileSync(join(dir, 'ca.pem'), made.caPem);
      writeFileSync(`${certFile}.tmp`, made.certPem);
      renameSync(`${certFile}.tmp`, certFile);
    }
  }
  return {
    certPem: readFileSync(certFile, 'utf8'),
    keyPem: readFileSync(keyFile, 'utf8'),
    source: dir,
  };
}

function assertUsable(c: Pick<TSigningCredentials, 'certPem' | 'keyPem'>) {
  const certs = parseCertificates(c.certPem);
  if (certs.length === 0) throw new Error('MUSAR_C2PA_CERT holds no PEM certificate');
  const alg = certs[0]!.publicKey.algorithm as EcKeyAlgorithm;
  if (alg.name !== 'ECDSA' || alg.namedCurve !== 'P-256')
    throw new Error('the C2PA signing certificate must carry an ECDSA P-256 key (ES256)');
  privateKeyBytes(c.keyPem);
}

const cache = new Map<string, Promise<TSigningCredentials>>();

/** resolveSigningCredentials, once per data folder and process. */
export function instanceCredentials(
  dataDir: string,
  env: Env = process.env,
): Promise<TSigningCredentials> {
  const key = `${dataDir}\u0000${env.MUSAR_C2PA_CERT ?? ''}\u0000${env.MUSAR_C2PA_KEY ?? ''}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = resolveSigningCredentials(dataDir, env).catch((error: unknown) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, hit);
  }
  return hit;
}

/** The trust anchor(s) of a chain: its last certificate (the CA), as PEM. */
export function trustAnchorOf(certPem: string): string {
  const certs = parseCertificates(certPem);
  return certs[certs.length - 1]!.toString('pem');
}

export type TStartupCredentials = {
  /** null: production mode without MUSAR_C2PA_CERT / MUSAR_C2PA_KEY (nothing can be signed). */
  credentials: TSigningCredentials | null;
  /** `generated` only on the start that made the embedded pair. */
  state: 'env' | 'generated' | 'kept' | 'missing';
  /** One line in plain words for the server log. */
  message: string;
};

/**
 * At server start: makes sure the instance can sign Content Credentials — in embedded mode the key
 * and certificate are generated now (like the auth secret), not when the first output is stored —
 * and says once, in plain words, where they come from. Malformed MUSAR_C2PA_* values throw (a
 * misconfiguration should stop the start); production mode without them is reported, not thrown.
 */
export async function prepareInstanceCredentials(
  dataDir: string,
  env: Env = process.env,
): Promise<TStartupCredentials> {
  if (!env.MUSAR_C2PA_CERT && !env.MUSAR_C2PA_KEY && isProduction(env))
    return {
      credentials: null,
      state: 'missing',
      message:
        'Content Credentials: MUSAR_C2PA_CERT and MUSAR_C2PA_KEY are not set, so outputs cannot be signed (generation and approval of signed outputs will fail until they are)',
    };
  const existed = existsSync(join(dataDir, 'c2pa', 'signer-chain.pem'));
  const credentials = await instanceCredentials(dataDir, env);
  const leaf = parseCertificates(credentials.certPem)[0]!;
  const until = leaf.notAfter.toISOString().slice(0, 10);
  if (credentials.source === 'env')
    return {
      credentials,
      state: 'env',
      message: `Content Credentials: signing with the certificate from MUSAR_C2PA_CERT (${leaf.subject}, valid until ${until})`,
    };
  return existed
    ? {
        credentials,
        state: 'kept',
        message: `Content Credentials: signing with this instance's key and certificate in ${credentials.source} (valid until ${until})`,
      }
    : {
        credentials,
        state: 'generated',
        message: `Content Credentials: made a signing key and certificate for this instance in ${credentials.source} (valid until ${until}); give its ca.pem to anyone who should trust this instance's signatures`,
      };
}
