import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

// Secrets never live in the repository: anything secret is a reference resolved at deploy time (SSM SecureString or
// Secrets Manager; docs/security.md). This scans every git-tracked file plus untracked files that are not ignored.

interface Rule {
  name: string;
  pattern: RegExp;
}

export const SECRET_RULES: Rule[] = [
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b/ },
  { name: 'AWS secret access key', pattern: /aws_?secret_?access_?key["'\s]*[:=]\s*["']?[A-Za-z0-9/+=]{40}\b/i },
  { name: 'private key block', pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----/ },
  { name: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { name: 'Slack webhook', pattern: /hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/ },
  // A password/token/secret/api key assigned a quoted literal of 8+ characters, not a reference or variable.
  {
    name: 'credential assignment',
    pattern: /\b(?:password|passwd|secret|token|api_?key|access_?key)\b["']?\s*[:=]\s*["'](?![$<{]|\s*["'])(?!.*(?:process\.env|ssm:|secretsmanager|resolve:))[^"'\s]{8,}["']/i,
  },
];

/**
 * Known, reviewed exceptions: file → the rule names it may trigger, with why. Keep it tiny.
 * This test file itself holds the patterns and synthetic test strings (built by concatenation below, so they do not match).
 */
const ALLOW: Record<string, { rules: string[]; why: string }> = {};

export function scanText(text: string): string[] {
  const hits: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const r of SECRET_RULES) if (r.pattern.test(line)) hits.push(`${i + 1}: ${r.name}`);
  });
  return hits;
}

function repoFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(out.split('\0').filter(Boolean))];
}

test('no secrets in git-tracked or untracked-not-ignored files', () => {
  const files = repoFiles();
  expect(files.length).toBeGreaterThan(20);
  const findings: string[] = [];
  for (const f of files) {
    let st;
    try {
      st = statSync(f);
    } catch {
      continue; // deleted in the working tree
    }
    if (!st.isFile() || st.size > 5 * 1024 * 1024) continue;
    const buf = readFileSync(f);
    if (buf.subarray(0, 8000).includes(0)) continue; // binary
    const allowed = ALLOW[f]?.rules ?? [];
    for (const hit of scanText(buf.toString('utf8'))) if (!allowed.some((r) => hit.endsWith(r))) findings.push(`${f}:${hit}`);
  }
  expect(findings).toEqual([]);
});

describe('the scanner finds synthetic secrets (negative tests) and ignores references', () => {
  // Built by concatenation so that this file does not contain the literal secrets it tests for.
  const j = (...p: string[]) => p.join('');
  test.each([
    ['AWS access key id', j('key = ', 'AKIA', 'IOSFODNN7', 'EXAMPLE')],
    ['AWS access key id', j('ASIA', 'ZZZZZZZZZZZZZZZZ')],
    ['AWS secret access key', j('aws_secret_access_key = ', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY', 'EXAMPLEKEY')],
    ['private key block', j('-----BEGIN ', 'RSA PRIVATE KEY-----')],
    ['private key block', j('-----BEGIN ', 'OPENSSH PRIVATE KEY-----')],
    ['GitHub token', j('ghp_', 'a'.repeat(36))],
    ['Slack token', j('xoxb-', '1234567890-abcdefghij')],
    ['credential assignment', j('password', ' = "', 'hunter2hunter2', '"')],
    ['credential assignment', j('"api', 'Key": "', 'sk_live_0123456789', '"')],
    ['credential assignment', j('TOKEN', ': \'', 'abcdef0123456789', '\'')],
  ])('%s: %s', (name, line) => {
    expect(scanText(line)).toEqual([`1: ${name}`]);
  });

  test.each([
    j('password: ${', 'ssm:/fleetlake/prod/db-password}'),
    j('token = process.env.', 'GITHUB_TOKEN'),
    j('secret: "{{resolve:', 'secretsmanager:fleetlake/prod:SecretString:key}}"'),
    j('password = ""'),
    'role-to-assume: ${{ secrets.AWS_DEPLOY_ROLE_ARN }}',
  ])('not a secret: %s', (line) => {
    expect(scanText(line)).toEqual([]);
  });
});
