/**
 * The file part's bytes in one buffer that owns its memory, sized up front from the request's
 * Content-Length (an upper bound): the chunks are copied in as they come and dropped at once.
 * (`part.toBuffer()` keeps every chunk until the end and then concatenates: twice the file.)
 */
export async function fileBytes(file: AsyncIterable<Buffer> & { truncated: boolean }, contentLength: number, maxBytes: number): Promise<Buffer> {
  let buf = Buffer.allocUnsafe(Math.min(Math.max(contentLength, 64 * 1024), maxBytes));
  let n = 0;
  for await (const chunk of file) {
    if (n + chunk.length > buf.length) {
      const next = Buffer.allocUnsafe(Math.max(buf.length * 2, n + chunk.length));
      buf.copy(next, 0, 0, n);
      buf = next;
    }
    n += chunk.copy(buf, n);
  }
  if (file.truncated) throw Object.assign(new Error('The file is over the size limit.'), { code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 });
  // Copied only when much too large (the buffer may be handed to a worker thread as it is).
  return buf.length - n <= 64 * 1024 ? buf.subarray(0, n) : Buffer.from(buf.subarray(0, n));
}

