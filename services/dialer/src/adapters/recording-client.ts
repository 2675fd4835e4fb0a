import { RECORDING_RENDITION_PATH } from '@autocall/contracts';

/**
 * Fetches a recording's 8 kHz μ-law rendition from the recording service's internal endpoint, once
 * per recording (the promise is cached; a failed fetch is forgotten so the next call retries).
 */
export class RecordingClient {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly baseUrl: string,
    private readonly internalToken: string,
    private readonly maxEntries = 32,
  ) {}

  loadUlaw(tenantId: string, recordingId: string): Promise<Buffer> {
    let p = this.cache.get(recordingId);
    if (!p) {
      p = this.fetchUlaw(tenantId, recordingId);
      p.catch(() => this.cache.delete(recordingId));
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(recordingId, p);
    }
    return p;
  }

  private async fetchUlaw(tenantId: string, recordingId: string): Promise<Buffer> {
    const url = new URL(RECORDING_RENDITION_PATH.replace(':id', encodeURIComponent(recordingId)), this.baseUrl);
    const res = await fetch(url, { headers: { 'x-internal-token': this.internalToken, 'x-autocall-tenant-id': tenantId }, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`recording rendition ${recordingId}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
}
