/** cli-table3, loaded on first use (see `lazy.ts`). */
import type TableClass from 'cli-table3';
import { lazyModule } from './lazy.js';

const load = lazyModule<typeof TableClass>('cli-table3');

/** A plain table (no colours in the frame) with the given header. */
export function newTable(head: string[]): TableClass.Table {
  const Table = load();
  return new Table({ head, style: { head: [], border: [] } });
}
