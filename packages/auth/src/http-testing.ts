// Test helper for the HTTP size caps: a request body that would be `total` bytes, produced lazily
// (nothing is allocated up front) and counting what the server actually pulled from it.

export function countingBody(total = 256 * 1024 * 1024, chunkBytes = 64 * 1024) {
  let pulled = 0;
  let cancelled = false;
  const chunk = new Uint8Array(chunkBytes).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      pulled += chunkBytes;
      controller.enqueue(chunk.slice());
    },
    cancel() {
      cancelled = true;
    },
  });
  return {
    stream,
    chunkBytes,
    /** bytes the reader pulled out of the stream so far */
    pulled: () => pulled,
    cancelled: () => cancelled,
  };
}

/** A POST whose body is a stream (sent chunked: no Content-Length). */
export function streamingRequest(
  url: string,
  body: ReadableStream<Uint8Array>,
  headers: HeadersInit = {},
) {
  return new Request(url, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
}
