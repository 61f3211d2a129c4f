import { openDuckDb } from './duckdb';

test('sessions are UTC with extension autoloading off', async () => {
  const db = await openDuckDb({ threads: 1 });
  try {
    const tz = await db.conn.runAndReadAll("SELECT current_setting('TimeZone') AS tz, current_setting('autoload_known_extensions') AS al");
    expect(tz.getRowObjectsJson()).toEqual([{ tz: 'UTC', al: false }]);
    await expect(db.conn.run("SELECT * FROM read_parquet('s3://bucket/x.parquet')")).rejects.toThrow(/httpfs/i);
  } finally {
    db.close();
  }
});
