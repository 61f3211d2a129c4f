import priceTable from './prices.json' with { type: 'json' };

export interface Tier {
  upTo: number | null;
  price: number;
}
export interface PriceItem {
  unit: string;
  /** The price is for this many units (1,000,000 messages, 1,000 requests, 1 GB, ...). */
  per: number;
  regions: Record<string, number | Tier[]>;
  source: string;
  confirmed: string[];
}
export interface PriceTable {
  taken: string;
  currency: string;
  notes: string[];
  items: Record<PriceName, PriceItem>;
}

export type PriceName =
  | 'iot_connectivity'
  | 'iot_messaging'
  | 'iot_rules_triggered'
  | 'iot_actions_executed'
  | 'firehose_direct_put'
  | 's3_standard_storage'
  | 's3_standard_ia_storage'
  | 's3_glacier_ir_storage'
  | 's3_put'
  | 's3_get'
  | 's3_transition_ia'
  | 's3_transition_glacier_ir'
  | 'lambda_arm_gb_second'
  | 'lambda_requests'
  | 'sfn_standard_transitions'
  | 'glue_etl_dpu_hour'
  | 'glue_etl_flex_dpu_hour'
  | 'athena_tb_scanned'
  | 'cloudwatch_custom_metric'
  | 'cloudwatch_alarm'
  | 'cloudwatch_logs_ingestion'
  | 'kms_key';

export const PRICES = priceTable as PriceTable;

export function regions(table: PriceTable = PRICES): string[] {
  return Object.keys(table.items.iot_connectivity.regions);
}

/**
 * The charge for `quantity` units of one priced item in one region. Tiered prices apply each tier
 * to the part of the quantity inside it; tier limits are in the same units as `quantity`.
 */
export function charge(name: PriceName, quantity: number, region: string, table: PriceTable = PRICES): number {
  const item = table.items[name];
  const price = item.regions[region];
  if (price === undefined) throw new Error(`no ${name} price for region ${region} (have: ${Object.keys(item.regions).join(', ')})`);
  if (typeof price === 'number') return (quantity / item.per) * price;
  let total = 0;
  let below = 0;
  for (const tier of price) {
    const top = tier.upTo ?? Infinity;
    const inTier = Math.max(0, Math.min(quantity, top) - below);
    total += (inTier / item.per) * tier.price;
    below = top;
    if (quantity <= top) break;
  }
  return total;
}

/** The first-tier unit price, for display. */
export function unitPrice(name: PriceName, region: string, table: PriceTable = PRICES): number {
  const p = table.items[name].regions[region];
  if (p === undefined) throw new Error(`no ${name} price for region ${region}`);
  return typeof p === 'number' ? p : (p[0]?.price ?? 0);
}
