import path from 'node:path';
import { resolveLake } from './lake';

test('flag beats env beats default', () => {
  expect(resolveLake('/a', { FLEETLAKE_LAKE: '/b' })).toBe('/a');
  expect(resolveLake(undefined, { FLEETLAKE_LAKE: '/b' })).toBe('/b');
  expect(resolveLake(undefined, {})).toBe(path.resolve('.fleetlake'));
});
