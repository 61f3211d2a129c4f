import zlib from 'node:zlib';

export type Compress = (input: Uint8Array) => Uint8Array;

type ZlibWithZstd = typeof zlib & {
  zstdCompressSync?: (buf: Uint8Array, opts?: { params?: Record<number, number> }) => Buffer;
  constants: typeof zlib.constants & { ZSTD_c_compressionLevel?: number };
};

const cached = new Map<number, Promise<{ compress: Compress; impl: string }>>();

/**
 * zstd at `level`: node:zlib where it has zstd (Node >= 22.15, the Lambda runtime), else the
 * native zstd-napi (local Node 20 only; kept out of the Lambda bundle by serverless-esbuild `exclude`).
 */
export function zstdCompressor(level: number): Promise<{ compress: Compress; impl: string }> {
  let c = cached.get(level);
  if (c) return c;
  c = (async () => {
    const z = zlib as ZlibWithZstd;
    if (typeof z.zstdCompressSync === 'function' && z.constants.ZSTD_c_compressionLevel !== undefined) {
      const params = { [z.constants.ZSTD_c_compressionLevel]: level };
      const fn = z.zstdCompressSync;
      return { compress: (input: Uint8Array) => fn(input, { params }), impl: 'node:zlib' };
    }
    const napi = 'zstd-napi'; // a variable, so bundlers leave the import alone
    const { compress } = (await import(napi)) as { compress: (b: Uint8Array, p?: { compressionLevel?: number }) => Buffer };
    return { compress: (input: Uint8Array) => compress(input, { compressionLevel: level }), impl: 'zstd-napi' };
  })();
  cached.set(level, c);
  return c;
}
