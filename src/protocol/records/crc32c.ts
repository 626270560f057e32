// CRC32C (Castagnoli), the checksum of RecordBatch v2. Native (@node-rs/crc32, SSE4.2/ARMv8 CRC
// instructions): ~10 GB/s versus ~300 MB/s for a table-driven JS loop, and it runs on every produced batch.
import { crc32c as nativeCrc32c } from '@node-rs/crc32'

/** CRC32C of `buf` as an unsigned 32-bit integer; `initial` continues a previous checksum. */
export function crc32c (buf: Uint8Array, initial?: number): number {
  return nativeCrc32c(buf, initial) >>> 0
}
