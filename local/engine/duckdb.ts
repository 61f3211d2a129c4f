import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface LocalDb {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
  close(): void;
}

/**
 * The local query engine: DuckDB with extension autoinstall/autoload off (httpfs and friends
 * cannot load offline, so failing at once beats a hang) and UTC session time zone.
 */
export async function openDuckDb(options: { threads?: number; path?: string } = {}): Promise<LocalDb> {
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (options.threads) config.threads = String(options.threads);
  const instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
  const conn = await instance.connect();
  await conn.run("SET TimeZone='UTC'");
  return {
    instance,
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
