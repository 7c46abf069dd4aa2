/** Placeholder registered in client/main.ts; a helper replaces this file (issue 9). */
import type { Command } from 'commander';

export function addCostsCommand(_parent: Command): void {}
