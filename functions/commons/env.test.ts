import { intVar, readSettings, SettingsError, stringVar } from './env';

test('reads, defaults and freezes settings', () => {
  const s = readSettings({ bucket: stringVar('B'), days: intVar('D', 30), n: intVar('N') }, { B: 'b', N: '4' });
  expect(s).toEqual({ bucket: 'b', days: 30, n: 4 });
  expect(Object.isFrozen(s)).toBe(true);
});

test('fails fast naming every missing or malformed variable', () => {
  expect(() => readSettings({ a: stringVar('A'), b: intVar('B') }, { B: 'x' })).toThrow(
    new SettingsError('missing required environment variable A; environment variable B must be an integer >= 0, got "x"'),
  );
});
