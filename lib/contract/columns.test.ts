import { CONTRACT_COLUMNS, SILVER_TELEMETRY_COLUMNS, duckdbType } from './columns';

test('contract columns derive from the JSON Schema with the documented types', () => {
  const byName = Object.fromEntries(CONTRACT_COLUMNS.map((c) => [c.name, c.type]));
  expect(byName).toMatchObject({
    vehicle_id: 'string',
    ts: 'timestamp',
    seq: 'bigint',
    ignition: 'boolean',
    battery_v: 'double',
    lat: 'double',
    rpm: 'double',
    dtc: 'array<string>',
  });
  expect(CONTRACT_COLUMNS.filter((c) => c.required).map((c) => c.name)).toEqual(['vehicle_id', 'ts', 'ignition', 'battery_v']);
  expect(CONTRACT_COLUMNS.map((c) => c.name)).toEqual([
    'vehicle_id', 'ts', 'seq', 'ignition', 'battery_v', 'lat', 'lon', 'gps_speed_kmh', 'heading_deg', 'alt_m', 'hdop',
    'speed_kmh', 'rpm', 'engine_load_pct', 'throttle_pct', 'fuel_level_pct', 'coolant_c', 'intake_air_c', 'ambient_c',
    'maf_gs', 'odometer_km', 'accel_x_g', 'accel_y_g', 'accel_z_g', 'dtc',
  ]);
});

test('silver adds lineage columns after the contract columns', () => {
  expect(SILVER_TELEMETRY_COLUMNS.slice(-2).map((c) => c.name)).toEqual(['received_at', 'source_key']);
  expect(duckdbType('array<string>')).toBe('VARCHAR[]');
});
