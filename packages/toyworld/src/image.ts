import { decode, encode, hasPngSignature } from 'fast-png';

/** HWC RGB image with channel values in [0, 1]. data.length === width * height * 3. */
export type RgbImage = { width: number; height: number; data: Float32Array };

export function createImage(width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(
      `createImage: width and height must be positive integers (got ${width}x${height})`,
    );
  }
  return { width, height, data: new Float32Array(width * height * 3) };
}

/** Checks an RgbImage's shape; `what` names the image in the error (a file, a field). */
export function assertImage(
  image: RgbImage,
  what = 'image',
  size?: { width: number; height: number },
): void {
  const { width, height, data } = image;
  if (!(data instanceof Float32Array) || data.length !== width * height * 3) {
    throw new Error(
      `${what}: data must be a Float32Array of length width*height*3 (${width}x${height}x3)`,
    );
  }
  if (size && (size.width !== width || size.height !== height)) {
    throw new Error(
      `${what}: wrong size ${width}x${height}, expected ${size.width}x${size.height}`,
    );
  }
}

/** Encodes to an 8-bit RGB PNG. Rounding is explicit so the bytes are identical on every machine. */
export function encodeRgbPng(image: RgbImage): Uint8Array {
  assertImage(image);
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = image.data[i]!;
    out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.floor(v * 255 + 0.5);
  }
  return encode({ width: image.width, height: image.height, data: out, channels: 3, depth: 8 });
}

/** Decodes a PNG (gray, gray+alpha, RGB, RGBA, palette; 8 or 16 bit) into an RgbImage. Alpha is dropped. */
export function decodeRgbPng(bytes: Uint8Array, what = 'png'): RgbImage {
  if (bytes.length < 8 || !hasPngSignature(bytes))
    throw new Error(`${what}: not a PNG file (bad signature)`);
  let png;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new Error(`${what}: corrupt PNG (${(err as Error).message})`, { cause: err });
  }
  const { width, height, channels, depth } = png;
  const image = createImage(width, height);
  let src: ArrayLike<number> = png.data;
  let ch = channels;
  if (png.palette) {
    src = Array.from(
      { length: width * height * 3 },
      (_, i) => png.palette![png.data[Math.floor(i / 3)]!]![i % 3]!,
    );
    ch = 3;
  }
  const max = png.palette ? 255 : depth === 16 ? 65535 : (1 << depth) - 1;
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const sc = ch >= 3 ? c : 0; // gray → replicate
      image.data[p * 3 + c] = src[p * ch + sc]! / max;
    }
  }
  return image;
}

export async function readPngFile(
  path: string,
  size?: { width: number; height: number },
): Promise<RgbImage> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      { cause: err },
    );
  }
  const image = decodeRgbPng(new Uint8Array(bytes), path);
  if (size) assertImage(image, path, size);
  return image;
}

export async function writePngFile(path: string, image: RgbImage): Promise<void> {
  const { writeFile, mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodeRgbPng(image));
}

/** Copies `src` into `dst` at (x0, y0); pixels falling outside dst are clipped. */
export function blit(dst: RgbImage, src: RgbImage, x0: number, y0: number): void {
  for (let y = 0; y < src.height; y++) {
    const dy = y + y0;
    if (dy < 0 || dy >= dst.height) continue;
    for (let x = 0; x < src.width; x++) {
      const dx = x + x0;
      if (dx < 0 || dx >= dst.width) continue;
      const s = (y * src.width + x) * 3;
      const d = (dy * dst.width + dx) * 3;
      dst.data[d] = src.data[s]!;
      dst.data[d + 1] = src.data[s + 1]!;
      dst.data[d + 2] = src.data[s + 2]!;
    }
  }
}
