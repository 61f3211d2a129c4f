import { expect, test } from '@jest/globals';
import { CommanderError } from 'commander';
import { UnhealthyError, UsageError } from './errors';
import { buildProgram, exitCode } from './program';

test('one exit code per kind of ending (docs/cli.md#exit-codes)', () => {
  expect(exitCode(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(0); // --version, --help
  expect(exitCode(new CommanderError(1, 'commander.unknownOption', "unknown option '--x'"))).toBe(2); // commander says 1
  expect(exitCode(new UsageError('--dates: invalid date'))).toBe(2);
  expect(exitCode(new UnhealthyError('1 alarm in ALARM'))).toBe(3);
  expect(exitCode(new Error('execution e1 FAILED'))).toBe(1);
});

test('the commands in --help order; the ones that print results take --format', () => {
  const program = buildProgram();
  const names = program.commands.map((c) => c.name());
  expect(names).toEqual(['demo', 'ingest', 'simulate', 'cost', 'bench', 'query', 'status', 'features', 'run', 'executions', 'rerun', 'report', 'engines']);
  const withFormat = program.commands.filter((c) => c.options.some((o) => o.long === '--format')).map((c) => c.name());
  expect(withFormat).toEqual(['simulate', 'cost', 'query', 'status', 'features', 'run', 'executions', 'rerun', 'report']);
  expect(program.commands.find((c) => c.name() === 'engines')!.commands.find((c) => c.name() === 'status')!.options.map((o) => o.long)).toContain('--format');
});
