/** Which channel a warehouse's alerts go to: the first route that matches it, else the default channel. */
import type { AlertRoute } from '../../schemas/slack-config';

/** Whether a route claims a warehouse. Warehouse names compare case-insensitively, as Snowflake's do. */
export function routeMatches(route: AlertRoute, warehouse: string): boolean {
  const name = warehouse.toUpperCase();
  if (route.warehouses) return route.warehouses.some((w) => w.toUpperCase() === name);
  if (route.prefix) return name.startsWith(route.prefix.toUpperCase());
  if (route.pattern) return new RegExp(`^(?:${route.pattern})$`, 'i').test(warehouse);
  return false;
}

export function channelFor(warehouse: string, routes: readonly AlertRoute[], defaultChannel: string): string {
  return routes.find((r) => routeMatches(r, warehouse))?.channel ?? defaultChannel;
}

/** Group items by their channel, keeping their order within each channel. */
export function groupByChannel<T extends { warehouse: string }>(
  items: readonly T[],
  routes: readonly AlertRoute[],
  defaultChannel: string,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const channel = channelFor(item.warehouse, routes, defaultChannel);
    groups.set(channel, [...(groups.get(channel) ?? []), item]);
  }
  return groups;
}
