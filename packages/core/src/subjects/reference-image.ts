// Untrusted reference uploads → the model's reference format. sharp (libvips) does the decoding;
// the header is read and checked BEFORE any pixel is decoded, so a small file that claims a huge
// canvas (a decompression bomb) is refused without allocating it.
import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import { encode } from 'fast-png';
import { REFERENCE_BACKGROUND } from '@musar/toyworld';
import { ServiceError } from '../common/errors';

/** The model's reference size (DESIGN §7: 32×32 DiT). */
export const REFERENCE_SIZE = 32;
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;
/** 40 MP: any real camera photo; a bomb claims far more. */
export const MAX_INPUT_PIXELS = 40_000_000;
export const MAX_INPUT_SIDE = 12_000;

export type TReferenceImage = {
  /** 8-bit RGB PNG, REFERENCE_SIZE², encoded deterministically (fast-png). */
  png: Uint8Array;
  width: number;
  height: number;
  /** sha256 (hex) of `png`: the same picture normalises to the same bytes, so duplicates match. */
  contentHash: string;
  source: { format: 'png' | 'jpeg'; width: number; height: number; bytes: number };
};

const bad = (what: string, why: string) =>
  new ServiceError('BAD_REQUEST', `${what}: ${why}; nothing was stored`);

function sniff(bytes: Uint8Array): 'png' | 'jpeg' | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpeg';
  return null;
}

/** Validates, decodes and normalises one upload. Throws BAD_REQUEST with the reason. */
export async function normaliseReferenceImage(
  bytes: Uint8Array,
  what = 'image',
): Promise<TReferenceImage> {
  if (bytes.length === 0) throw bad(what, 'empty file');
  if (bytes.length > MAX_UPLOAD_BYTES) {
    throw bad(what, `too large (${bytes.length} bytes; the limit is ${MAX_UPLOAD_BYTES})`);
  }
  const format = sniff(bytes);
  if (!format) throw bad(what, 'not a PNG or JPEG image');
  // failOn 'warning' (sharp's strictest): truncated or corrupt data is an error, not a grey tail
  const open = () => sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'warning' });
  let meta: Metadata;
  try {
    // header only: no pixels are decoded here, so the limit is ours to apply just below
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw bad(what, `unreadable ${format.toUpperCase()} header (${(error as Error).message})`);
  }
  const { width, height } = meta;
  if (meta.format !== format || !width || !height)
    throw bad(what, `not a valid ${format.toUpperCase()} image`);
  if (width > MAX_INPUT_SIDE || height > MAX_INPUT_SIDE || width * height > MAX_INPUT_PIXELS) {
    throw bad(
      what,
      `${width}×${height} pixels exceeds the limit (${MAX_INPUT_PIXELS} pixels, ${MAX_INPUT_SIDE} per side)`,
    );
  }
  const [r, g, b] = REFERENCE_BACKGROUND.map((v) => Math.round(v * 255));
  let raw: Buffer;
  try {
    raw = await open()
      .rotate() // honour EXIF orientation
      .flatten({ background: { r: r!, g: g!, b: b! } })
      .resize(REFERENCE_SIZE, REFERENCE_SIZE, {
        fit: 'contain',
        background: { r: r!, g: g!, b: b! },
      })
      .removeAlpha()
      .raw()
      .toBuffer();
  } catch (error) {
    throw bad(what, `corrupt or truncated ${format.toUpperCase()} (${(error as Error).message})`);
  }
  if (raw.length !== REFERENCE_SIZE * REFERENCE_SIZE * 3)
    throw bad(what, 'unexpected decoded size');
  const png = encode({
    width: REFERENCE_SIZE,
    height: REFERENCE_SIZE,
    data: raw,
    channels: 3,
    depth: 8,
  });
  return {
    png,
    width: REFERENCE_SIZE,
    height: REFERENCE_SIZE,
    contentHash: sha256(png),
    source: { format, width, height, bytes: bytes.length },
  };
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
