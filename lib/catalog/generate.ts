/** `npm run generate:catalog`: writes resources/catalog.yml and resources/named-queries.yml. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { GENERATED_FILES } from './template';

const root = path.resolve(import.meta.dirname, '../..');
for (const [file, render] of Object.entries(GENERATED_FILES)) {
  writeFileSync(path.join(root, file), render());
  process.stdout.write(`wrote ${file}\n`);
}
