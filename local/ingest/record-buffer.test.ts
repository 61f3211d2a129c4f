import { RecordBuffer } from './record-buffer';

const text = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');

test('lines are head + tail + newline, in order, across block boundaries and with multi-byte text', () => {
  const b = new RecordBuffer();
  const big = Buffer.from(`{"pad":"${'x'.repeat(700_000)}"`); // two of these do not fit one 1 MiB block
  b.add(big, ',"n":1}', 10);
  b.add(Buffer.from('{"name":"Zoë'), ' ✓"}', 11);
  b.add(big, ',"n":2}', 12);
  const t = b.take();
  expect(t.parts.length).toBeGreaterThan(1);
  expect(t).toMatchObject({ records: 3, firstArrivalMs: 10, bytes: Buffer.byteLength(text(t.parts)) });
  expect(text(t.parts).split('\n')).toEqual([`${big},"n":1}`, '{"name":"Zoë ✓"}', `${big},"n":2}`, '']);
  expect(b.take()).toEqual({ parts: [], records: 0, bytes: 0, firstArrivalMs: 10 });
});

test('records taken for a commit that failed go back in front of those added since', () => {
  const b = new RecordBuffer();
  b.add(Buffer.from('{"a":1}'), '', 1);
  const failed = b.take();
  b.add(Buffer.from('{"a":2}'), '', 2);
  b.putBack(failed);
  b.add(Buffer.from('{"a":3}'), '', 3);
  const t = b.take();
  expect(text(t.parts)).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
  expect(t).toMatchObject({ records: 3, firstArrivalMs: 1, bytes: 24 });
});

test('taken slices never change when more records are added (the WAL write and gzip still read them)', () => {
  const b = new RecordBuffer();
  b.add(Buffer.from('{"a":1}'), '', 1);
  const first = b.take();
  const before = text(first.parts);
  for (let i = 0; i < 1000; i++) b.add(Buffer.from(`{"b":${i}}`), '', 2);
  expect(text(first.parts)).toBe(before);
});
