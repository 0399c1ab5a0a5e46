import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodeRgbPng, generateSubject, renderReference } from '@musar/toyworld';
import { MAX_UPLOAD_BYTES, normaliseReferenceImage, REFERENCE_SIZE } from './reference-image';

/** A syntactically valid PNG whose header claims w×h and whose IDAT inflates to w*h bytes of 0 —
 * a decompression bomb when w, h are large (the file itself stays tiny). */
function pngClaiming(width: number, height: number, rows = height): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const raw = Buffer.alloc(rows * (width + 1));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

const toyPng = (seed: number) => encodeRgbPng(renderReference(generateSubject(seed), 64));

describe('normaliseReferenceImage', () => {
  it('normalises a PNG to a 32×32 RGB PNG and hashes it deterministically', async () => {
    const a = await normaliseReferenceImage(toyPng(7));
    expect(a.source).toMatchObject({ format: 'png', width: 64, height: 64 });
    const png = decode(a.png);
    expect([png.width, png.height, png.channels]).toEqual([REFERENCE_SIZE, REFERENCE_SIZE, 3]);
    expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await normaliseReferenceImage(toyPng(7))).contentHash).toBe(a.contentHash);
    expect((await normaliseReferenceImage(toyPng(8))).contentHash).not.toBe(a.contentHash);
  });

  it('decodes a JPEG, letterboxing non-square photos on the reference grey', async () => {
    const jpeg = await sharp({
      create: { width: 300, height: 100, channels: 3, background: '#ff0000' },
    })
      .jpeg()
      .toBuffer();
    const out = await normaliseReferenceImage(jpeg);
    expect(out.source).toMatchObject({ format: 'jpeg', width: 300, height: 100 });
    const px = decode(out.png).data;
    const at = (x: number, y: number) =>
      Array.from(px.slice((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
    expect(at(16, 16)[0]).toBeGreaterThan(240); // red centre
    expect(at(16, 16)[1]).toBeLessThan(20);
    expect(at(16, 0)).toEqual([194, 194, 194]); // letterbox band
  });

  it.each([
    ['empty', new Uint8Array(0), /empty file/],
    [
      'not an image',
      new TextEncoder().encode('%PDF-1.4 hello, not an image at all'),
      /not a PNG or JPEG/,
    ],
    ['too large', new Uint8Array(MAX_UPLOAD_BYTES + 1), /too large/],
  ])('refuses %s', async (_name, bytes, message) => {
    await expect(normaliseReferenceImage(bytes as Uint8Array)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a decompression bomb from its header, fast and without decoding', async () => {
    const bomb = pngClaiming(60_000, 60_000, 1);
    expect(bomb.length).toBeLessThan(2000);
    const t0 = performance.now();
    await expect(normaliseReferenceImage(bomb)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/60000×60000 pixels exceeds the limit/),
    });
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('refuses truncated PNG and JPEG files', async () => {
    const png = Buffer.from(toyPng(3));
    await expect(
      normaliseReferenceImage(png.subarray(0, Math.floor(png.length * 0.6))),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/corrupt|truncated|unreadable/i),
    });
    const jpeg = await sharp({
      create: {
        width: 256,
        height: 256,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();
    await expect(
      normaliseReferenceImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/corrupt|truncated|unreadable/i),
    });
    // a header that lies about its IDAT length is refused too
    await expect(normaliseReferenceImage(pngClaiming(64, 64, 10))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
