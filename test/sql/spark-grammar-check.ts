/**
 * Validates SQL files under dt-sql-parser's Spark SQL grammar and prints `{ file: [errors] }` as JSON.
 * Run as a child process (tsx) by spark-grammar.test.ts: the ANTLR parser is several times slower inside jest's VM.
 */
import { SparkSQL } from 'dt-sql-parser';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const spark = new SparkSQL();
const out: Record<string, string[]> = {};
for (const file of process.argv.slice(2)) {
  out[path.basename(file)] = spark.validate(readFileSync(file, 'utf8')).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}
process.stdout.write(JSON.stringify(out));
