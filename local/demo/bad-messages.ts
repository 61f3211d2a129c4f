/**
 * A handful of broken messages the demo publishes next to the simulated fleet, one per quarantine path,
 * so the report and `fleetlake status` show the pipeline keeping (not losing) bad data.
 */
export function badMessages(vehicleId: string, otherVehicleId: string, at: number): Array<{ topic: string; payload: string }> {
  const topic = `fleet/${vehicleId}/telemetry`;
  const ok = { vehicle_id: vehicleId, ts: at, ignition: false, battery_v: 12.5 };
  return [
    { topic, payload: '{"vehicle_id": "' + vehicleId + '", "ts": ' }, // truncated: invalid_json
    { topic, payload: JSON.stringify({ ...ok, battery_v: undefined }) }, // missing_field
    { topic, payload: JSON.stringify({ ...ok, ignition: 'on' }) }, // wrong_type
    { topic, payload: JSON.stringify({ ...ok, ts: at + 1, rpm: 99_999 }) }, // out_of_range
    { topic, payload: JSON.stringify({ ...ok, ts: at + 2, dtc: ['P0420', 'XYZ'] }) }, // bad_format
    { topic, payload: JSON.stringify({ ...ok, ts: at + 3, lat: 52.37 }) }, // lat_lon_pair
    { topic, payload: JSON.stringify({ ...ok, ts: at + 4, vehicle_id: otherVehicleId }) }, // vehicle_mismatch
    { topic, payload: JSON.stringify({ ...ok, ts: at + 3_600_000 }) }, // future_timestamp
  ];
}
