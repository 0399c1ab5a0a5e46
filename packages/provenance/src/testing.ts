// Test helpers: small PNGs (stored deflate, so a pixel can be changed in place) and tampering.
import { deflateSync, inflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An RGB PNG with a deterministic pattern. */
export function makePng(width = 16, height = 16, seed = 1): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width * 3; x++) raw[y * (width * 3 + 1) + 1 + x] = (x * seed + y * 7) & 255;
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return new Uint8Array(
    Buffer.concat([
      sig,
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 0 })),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

type TChunk = { type: string; start: number; length: number };
export function chunks(png: Uint8Array): TChunk[] {
  const buf = Buffer.from(png);
  const out: TChunk[] = [];
  for (let pos = 8; pos + 12 <= buf.length;) {
    const length = buf.readUInt32BE(pos);
    out.push({ type: buf.toString('ascii', pos + 4, pos + 8), start: pos, length });
    pos += 12 + length;
  }
  return out;
}

function rebuild(png: Uint8Array, type: string, edit: (data: Buffer) => Buffer): Uint8Array {
  const buf = Buffer.from(png);
  const parts: Buffer[] = [buf.subarray(0, 8)];
  for (const c of chunks(png)) {
    const data = buf.subarray(c.start + 8, c.start + 8 + c.length);
    parts.push(
      c.type === type
        ? chunk(type, edit(Buffer.from(data)))
        : buf.subarray(c.start, c.start + 12 + c.length),
    );
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** The same PNG with one pixel's red channel changed (valid PNG, same size and layout). */
export function changeOnePixel(png: Uint8Array, x = 3, y = 2): Uint8Array {
  return rebuild(png, 'IDAT', (data) => {
    const raw = inflateSync(data);
    const width = Buffer.from(png).readUInt32BE(16);
    const at = y * (width * 3 + 1) + 1 + x * 3;
    raw[at] = raw[at]! ^ 0xff;
    return deflateSync(raw, { level: 0 });
  });
}

/** The same PNG with one byte of the manifest store changed (chunk CRC fixed, so only the manifest differs). */
export function changeManifestByte(png: Uint8Array, find: string): Uint8Array {
  return rebuild(png, 'caBX', (data) => {
    const at = data.indexOf(Buffer.from(find));
    if (at < 0) throw new Error(`"${find}" not found in the manifest store`);
    data[at] = data[at]! ^ 0x01;
    return data;
  });
}
