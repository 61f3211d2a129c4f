import { createRequire } from 'node:module';

// The prod alarm-destination guard's decision (lib/deploy/serverless-alarm-destination.cjs). The real `sls deploy
// --stage prod` runs, refused and accepted, are in deploy.int.test.ts; `npm test` packages prod without an e-mail.
const require = createRequire(import.meta.url);
const { refusal } = require('../../lib/deploy/serverless-alarm-destination.cjs') as {
  refusal: (x: { command: string; stage: string; destination?: { email?: unknown; required?: unknown } }) => string | null;
};

const prod = { email: '', required: true };

test('only a stack deploy of a stage that requires a destination and has none is refused, with one line', () => {
  const msg = refusal({ command: 'deploy', stage: 'prod', destination: prod })!;
  expect(msg).toBe('Stage prod needs an alarm destination, or its alarms and failure notices reach no one: deploy with --param="alarmEmail=<address>".');
  expect(msg).not.toContain('\n');
  expect(refusal({ command: 'deploy', stage: 'prod', destination: { email: '   ', required: true } })).toBe(msg); // blank is none
});

test('everything else goes on: package, other deploy commands, a stage that does not require one, an address given', () => {
  for (const command of ['package', 'print', 'deploy function', 'deploy list', 'remove']) expect(refusal({ command, stage: 'prod', destination: prod })).toBeNull();
  expect(refusal({ command: 'deploy', stage: 'dev', destination: { email: '', required: false } })).toBeNull();
  expect(refusal({ command: 'deploy', stage: 'prod', destination: { email: 'oncall@example.com', required: true } })).toBeNull();
  expect(refusal({ command: 'deploy', stage: 'x', destination: undefined })).toBeNull();
});
